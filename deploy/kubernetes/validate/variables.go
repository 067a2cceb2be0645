package main

import (
	"errors"
	"regexp"
	"strings"
)

// secretVariables are the server's variables that carry a secret (server/secret-files.ts):
// each may be given as a file through NAME_FILE, and the manifests give them only so.
var secretVariables = map[string]bool{
	"BOOTSTRAP_ADMIN_KEY": true,
	"JWT_HMAC_SECRET":     true,
	"NEO4J_PASSWORD":      true,
	"QDRANT_API_KEY":      true,
	"REDIS_URL":           true,
}

// readByNode are variables Node itself reads, which the manifests may set.
var readByNode = map[string]bool{
	"NODE_EXTRA_CA_CERTS": true,
}

// variables is the set of environment variables the server reads; nil accepts any name.
type variables map[string]bool

// has tells whether the server (or Node) reads name: documented, or the _FILE variant of
// a documented secret variable.
func (v variables) has(name string) bool {
	if v == nil || v[name] || readByNode[name] {
		return true
	}
	base, isFile := strings.CutSuffix(name, "_FILE")
	return isFile && secretVariables[base] && v[base]
}

var (
	backticked = regexp.MustCompile("`([^`]+)`")
	braces     = regexp.MustCompile(`^(.*)\{([^}]+)\}(.*)$`)
	variable   = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// documentedVariables reads the names in the first column of the tables under the
// README's "## Configuration" heading; `A_{X,Y}_B` stands for A_X_B and A_Y_B.
func documentedVariables(readme string) (variables, error) {
	_, section, found := strings.Cut(readme, "\n## Configuration\n")
	if !found {
		return nil, errors.New(`README has no "## Configuration" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	names := variables{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 3 {
			continue
		}
		for _, match := range backticked.FindAllStringSubmatch(cells[1], -1) {
			for _, name := range expandBraces(match[1]) {
				if variable.MatchString(name) {
					names[name] = true
				}
			}
		}
	}
	if len(names) == 0 {
		return nil, errors.New("README's Configuration section names no variable")
	}
	return names, nil
}

func expandBraces(name string) []string {
	match := braces.FindStringSubmatch(name)
	if match == nil {
		return []string{name}
	}
	var names []string
	for _, alternative := range strings.Split(match[2], ",") {
		names = append(names, expandBraces(match[1]+alternative+match[3])...)
	}
	return names
}
