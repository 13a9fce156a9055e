package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// The schemas objects are validated against, each from a Go module at a
// pinned version (fetched through the module proxy into the module cache,
// like any dependency): the Kubernetes API's OpenAPI document and KEDA's
// CRDs.
const (
	kubernetesModule = "k8s.io/kubernetes@v1.37.2"
	kedaModule       = "github.com/kedacore/keda/v2@v2.20.2"
)

// moduleDir downloads a module (once per machine) and returns its
// directory. GOWORK=off and a scratch directory: the module is data here,
// never a dependency of the build.
func moduleDir(t *testing.T, module string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %v %s", module, err, jerr, info.Error)
	}
	return info.Dir
}

// validator validates objects by apiVersion and kind.
type validator struct {
	schemas map[string]*jsonschema.Schema // "apps/v1 Deployment"
}

var (
	validatorOnce sync.Once
	sharedVal     *validator
	validatorErr  error
)

// objectValidator builds the validator once for the whole test binary.
func objectValidator(t *testing.T) *validator {
	t.Helper()
	validatorOnce.Do(func() {
		k8s := filepath.Join(moduleDir(t, kubernetesModule), "api", "openapi-spec", "swagger.json")
		keda := filepath.Join(moduleDir(t, kedaModule), "config", "crd", "bases")
		sharedVal, validatorErr = newValidator(k8s, keda)
	})
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return sharedVal
}

func newValidator(swaggerPath, crdDir string) (*validator, error) {
	v := &validator{schemas: map[string]*jsonschema.Schema{}}
	if err := v.addKubernetes(swaggerPath); err != nil {
		return nil, err
	}
	crds, err := filepath.Glob(filepath.Join(crdDir, "keda.sh_*.yaml"))
	if err != nil || len(crds) == 0 {
		return nil, fmt.Errorf("no KEDA CRDs in %s", crdDir)
	}
	for _, p := range crds {
		if err := v.addCRD(p); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// addKubernetes compiles every definition of the API's OpenAPI (Swagger
// 2.0) document that names a group, version and kind.
func (v *validator) addKubernetes(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defs := doc.(map[string]any)["definitions"].(map[string]any)
	// The two types whose JSON is looser than their declared string type.
	defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = map[string]any{"type": []any{"string", "integer"}}
	defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = map[string]any{"type": []any{"string", "number"}}
	strict(defs)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	const loc = "kubernetes.json"
	if err := c.AddResource(loc, map[string]any{"definitions": defs}); err != nil {
		return err
	}
	for name, d := range defs {
		gvks, _ := d.(map[string]any)["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			g := g.(map[string]any)
			apiVersion := g["version"].(string)
			if group := g["group"].(string); group != "" {
				apiVersion = group + "/" + apiVersion
			}
			s, err := c.Compile(loc + "#/definitions/" + name)
			if err != nil {
				return fmt.Errorf("compile %s: %w", name, err)
			}
			v.schemas[apiVersion+" "+g["kind"].(string)] = s
		}
	}
	return nil
}

// addCRD compiles each served version's schema of a CustomResourceDefinition.
func (v *validator) addCRD(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
	if err != nil {
		return err
	}
	spec := doc.(map[string]any)["spec"].(map[string]any)
	group, kind := spec["group"].(string), spec["names"].(map[string]any)["kind"].(string)
	for _, ver := range spec["versions"].([]any) {
		ver := ver.(map[string]any)
		schema := ver["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
		strict(schema)
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		loc := filepath.Base(path) + "-" + ver["name"].(string) + ".json"
		if err := c.AddResource(loc, schema); err != nil {
			return err
		}
		s, err := c.Compile(loc)
		if err != nil {
			return fmt.Errorf("compile %s: %w", loc, err)
		}
		v.schemas[group+"/"+ver["name"].(string)+" "+kind] = s
	}
	return nil
}

// strict forbids fields a schema does not declare, as the API server's
// strict field validation does, wherever the schema lists its properties
// and says nothing of others (nor keeps unknown fields on purpose).
func strict(node any) {
	switch n := node.(type) {
	case map[string]any:
		_, hasProps := n["properties"]
		_, hasAdditional := n["additionalProperties"]
		_, preserve := n["x-kubernetes-preserve-unknown-fields"]
		if hasProps && !hasAdditional && !preserve {
			n["additionalProperties"] = false
		}
		for _, child := range n {
			strict(child)
		}
	case []any:
		for _, child := range n {
			strict(child)
		}
	}
}

// validate checks one object (as decoded from JSON) against its schema.
func (v *validator) validate(obj map[string]any) error {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	s, ok := v.schemas[apiVersion+" "+kind]
	if !ok {
		return fmt.Errorf("no schema for apiVersion %q kind %q", apiVersion, kind)
	}
	// Round-trip through jsonschema's decoder: numbers as json.Number. A
	// null field is an absent one to the API server, so it goes.
	js, err := json.Marshal(dropNulls(obj))
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// dropNulls returns v without the map entries whose value is null.
func dropNulls(v any) any {
	switch n := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, c := range n {
			if c != nil {
				out[k] = dropNulls(c)
			}
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, c := range n {
			out[i] = dropNulls(c)
		}
		return out
	}
	return v
}
