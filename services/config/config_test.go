package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvReportsEveryBadVariable(t *testing.T) {
	vals := map[string]string{"A_INT": "x", "A_DUR": "5", "A_BOOL": "yes please", "A_STR": "  set  "}
	env := NewEnv(func(n string) string { return vals[n] })
	if got := env.String("A_STR", "def"); got != "set" {
		t.Errorf("String = %q, want the trimmed value", got)
	}
	if got := env.Int("A_INT", 7); got != 7 {
		t.Errorf("bad Int = %d, want its default", got)
	}
	env.Duration("A_DUR", time.Second)
	env.Bool("A_BOOL", false)
	err := env.Err()
	for _, name := range []string{"A_INT", "A_DUR", "A_BOOL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Err() = %v, want it to name %s", err, name)
		}
	}
}

func TestEnvVarsListsWhatWasReadWithDefaults(t *testing.T) {
	env := NewEnv(func(string) string { return "" })
	env.String("Z_ADDR", "127.0.0.1:1")
	env.Int64("A_BYTES", 512<<20)
	env.Duration("M_WAIT", 90*time.Second)
	env.Bool("M_FLAG", true)
	env.Int("M_COUNT", 3)
	env.Int("M_COUNT", 4) // a second read keeps the first default
	want := []Var{
		{"A_BYTES", "536870912"},
		{"M_COUNT", "3"},
		{"M_FLAG", "true"},
		{"M_WAIT", "1m30s"},
		{"Z_ADDR", "127.0.0.1:1"},
	}
	if got := env.Vars(); !slices.Equal(got, want) {
		t.Errorf("Vars() = %v\nwant %v", got, want)
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db": "postgres://u:****@h:5432/db",
		"postgres://u@h/db":             "postgres://u@h/db",
		"nats://h:4222":                 "nats://h:4222",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultsListsWithoutValues(t *testing.T) {
	type conf struct{ addr string }
	read := func(e *Env) (conf, error) {
		c := conf{addr: e.String("X_ADDR", "127.0.0.1:1")}
		e.Bool("X_ON", false)
		return c, e.Err()
	}
	t.Setenv("X_ADDR", "0.0.0.0:9")
	if got := Defaults(read); !slices.Equal(got, []Var{{"X_ADDR", "127.0.0.1:1"}, {"X_ON", "false"}}) {
		t.Errorf("Defaults = %v", got)
	}
	c, err := Load(func(n string) string { return map[string]string{"X_ADDR": "0.0.0.0:9"}[n] }, read)
	if err != nil || c.addr != "0.0.0.0:9" {
		t.Errorf("Load = %+v, %v", c, err)
	}
}
