package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// known is what the fixtures may set: the variables of their ConfigMap.
var known = variables{"HOST": true, "HEALTH_PROBE_PORT": true, "NEO4J_PASSWORD": true}

func validateText(t *testing.T, text string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rendered.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	problems, _ := validateFile(path, known)
	return problems
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func expectOneProblem(t *testing.T, problems []string, want string) {
	t.Helper()
	if len(problems) != 1 || !strings.Contains(problems[0], want) {
		t.Fatalf("want one problem containing %q, got %q", want, problems)
	}
}

func TestValidFixturePasses(t *testing.T) {
	problems, count := validateFile(filepath.Join("testdata", "valid.yaml"), known)
	if len(problems) != 0 || count != 3 {
		t.Fatalf("want 3 valid objects, got %d and %q", count, problems)
	}
}

func TestUnknownFieldFailsTheStrictDecode(t *testing.T) {
	problems, _ := validateFile(filepath.Join("testdata", "unknown-field.yaml"), known)
	expectOneProblem(t, problems, `unknown field "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem"`)
	expectOneProblem(t, problems, "Deployment/ragplane")
}

func TestWrongTypeFailsTheStrictDecode(t *testing.T) {
	problems, _ := validateFile(filepath.Join("testdata", "wrong-type.yaml"), known)
	expectOneProblem(t, problems, "Deployment/ragplane")
	expectOneProblem(t, problems, "replicas")
}

func TestDuplicateFieldFailsTheStrictDecode(t *testing.T) {
	text := strings.Replace(fixture(t, "valid.yaml"), "  replicas: 2\n", "  replicas: 2\n  replicas: 3\n", 1)
	expectOneProblem(t, validateText(t, text), `key "replicas" already set`)
}

func TestRulesReportWhatBreaksThem(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"writable root filesystem", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "needs readOnlyRootFilesystem: true"},
		{"root user", "runAsUser: 1000", "runAsUser: 0", "must run as non-root"},
		{"no seccomp profile", "        seccompProfile:\n          type: RuntimeDefault\n", "", "RuntimeDefault seccomp"},
		{"capabilities kept", "              drop:\n                - ALL\n", "              drop: []\n", "must drop ALL capabilities"},
		{"no memory limit", "            limits:\n              memory: 256Mi\n", "", "memory limit"},
		{"no readiness probe", "          readinessProbe:\n            grpc:\n              port: 50052\n", "", "needs a liveness and a readiness probe"},
		{"probe beside the probe port", "              port: 50052\n              service: liveness", "              port: 50051\n              service: liveness", "gRPC probe on port 50051"},
		{"token mounted", "automountServiceAccountToken: false", "automountServiceAccountToken: true", "automountServiceAccountToken must be false"},
		{"missing app label", "  name: config\n  labels:\n    app.kubernetes.io/name: ragplane\n", "  name: config\n  labels:\n", "ConfigMap/config: label app.kubernetes.io/name=ragplane missing"},
		{"variable the server does not read", "  HOST: 0.0.0.0", "  HOTS: 0.0.0.0", "sets HOTS, which the server does not read"},
		{"inline secret", "  HOST: 0.0.0.0", "  HOST: 0.0.0.0\n  NEO4J_PASSWORD: hunter2", "sets NEO4J_PASSWORD inline"},
		{"secret file outside a mount", "/etc/ragplane/secrets/neo4j-password", "/etc/ragplane/neo4j-password", "is under no volume mount"},
		{"secret file from a ConfigMap", "          secret:\n            secretName: ragplane-secrets", "          configMap:\n            name: config", "must come from a Secret volume"},
		{"Service selecting nothing", "  selector:\n    app.kubernetes.io/name: ragplane\n  ports:", "  selector:\n    app.kubernetes.io/name: other\n  ports:", "matches no workload's pods"},
		{"Service to an undeclared port", "      targetPort: grpc", "      targetPort: grcp", `targetPort "grcp" is no container port`},
		{"missing ConfigMap", "                name: config", "                name: settings", `envFrom ConfigMap "settings" is not rendered`},
	}
	valid := fixture(t, "valid.yaml")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.old) {
				t.Fatalf("the fixture has no %q", c.old)
			}
			problems := validateText(t, strings.Replace(valid, c.old, c.new, 1))
			for _, problem := range problems {
				if strings.Contains(problem, c.want) {
					return
				}
			}
			t.Fatalf("want a problem containing %q, got %q", c.want, problems)
		})
	}
}

func TestDocumentedVariablesReadTheConfigurationTables(t *testing.T) {
	readme := "# x\n## Configuration\n\n| variable | default |\n|---|---|\n" +
		"| `HOST` | `127.0.0.1` |\n| `READ_TIMEOUT_MS` / `MAX_READ_TIMEOUT_MS` | `1` / `2` |\n" +
		"| `RATE_LIMIT_{READ,WRITE}_PER_TENANT` | `1` |\n| `NEO4J_PASSWORD` | — |\n## Next\n| `OTHER` | x |\n"
	names, err := documentedVariables(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"HOST", "READ_TIMEOUT_MS", "MAX_READ_TIMEOUT_MS", "RATE_LIMIT_READ_PER_TENANT", "RATE_LIMIT_WRITE_PER_TENANT", "NEO4J_PASSWORD", "NEO4J_PASSWORD_FILE"} {
		if !names.has(name) {
			t.Errorf("%s should be documented", name)
		}
	}
	for _, name := range []string{"OTHER", "HOST_FILE", "127.0.0.1"} {
		if names.has(name) {
			t.Errorf("%s should not be documented", name)
		}
	}
}
