package deploy

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml as docker compose does: schema
// validation, interpolation with the defaults it declares, merging of its
// anchors.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."),
		cli.WithName("pixelmill"),
		cli.WithEnv(nil),
		cli.WithInterpolation(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

// TestComposeScalesTheAPIBehindAProxy: docker-compose.yml is valid and runs
// several API replicas behind the proxy, which is the only published way
// in and the only peer whose forwarding headers the API believes.
func TestComposeScalesTheAPIBehindAProxy(t *testing.T) {
	p := loadCompose(t)
	api, err := p.GetService("api-service")
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := p.GetService("proxy")
	if err != nil {
		t.Fatal(err)
	}
	if api.Deploy == nil || api.Deploy.Replicas == nil || *api.Deploy.Replicas < 2 {
		t.Errorf("api-service replicas = %v, want 2 or more", api.Deploy)
	}
	if len(api.Ports) != 0 {
		t.Errorf("api-service publishes %v; replicas can't share a host port, the proxy publishes", api.Ports)
	}
	if len(proxy.Ports) != 1 || proxy.Ports[0].Published != "8080" || proxy.Ports[0].Target != 8080 {
		t.Errorf("proxy ports %v, want 8080:8080", proxy.Ports)
	}
	if _, ok := proxy.DependsOn["api-service"]; !ok {
		t.Error("the proxy does not wait for the API")
	}
	proxyAddr, err := netip.ParseAddr(proxy.Networks["default"].Ipv4Address)
	if err != nil {
		t.Fatalf("the proxy has no fixed address to trust: %v", err)
	}
	trusted := api.Environment["PIXELMILL_TRUSTED_PROXIES"]
	if trusted == nil {
		t.Fatal("the API trusts no proxy: rate limits would count the proxy as one client")
	}
	for _, cidr := range strings.Split(*trusted, ",") {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
		if err != nil {
			t.Fatalf("PIXELMILL_TRUSTED_PROXIES %q: %v", *trusted, err)
		}
		if !pfx.Contains(proxyAddr) || pfx.Bits() < 32 {
			t.Errorf("trusted %s: want exactly the proxy's %s, no wider", pfx, proxyAddr)
		}
	}
	if key := api.Environment["PIXELMILL_URL_SIGNING_KEY"]; key == nil || *key == "" {
		t.Error("replicas without a shared URL signing key reject each other's signed URLs")
	}
}

// TestComposeSetsOnlyVariablesTheCodeReads: as for the chart, every
// PIXELMILL_* variable docker-compose.yml sets is read by the binary of the
// image it goes to.
func TestComposeSetsOnlyVariablesTheCodeReads(t *testing.T) {
	p := loadCompose(t)
	binaries := map[string]string{"api-service": "api-service", "worker-service": "worker-service"}
	checked := 0
	for svc, binary := range binaries {
		s, err := p.GetService(svc)
		if err != nil {
			t.Fatal(err)
		}
		reads := binaryEnv(t, binary)
		for n := range s.Environment {
			if !strings.HasPrefix(n, "PIXELMILL_") && !strings.HasPrefix(n, "OTEL_") {
				continue
			}
			checked++
			if !reads[n] {
				t.Errorf("docker-compose.yml gives %s %s, which it does not read", svc, n)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d variables", checked)
	}
}
