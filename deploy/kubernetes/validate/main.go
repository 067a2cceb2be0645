// Command validate checks rendered Kubernetes manifests offline: each document must decode
// strictly into the Kubernetes API types (an unknown field or a wrong type fails), and the
// objects must pass ragplane's own rules (see checkObjects).
//
//	validate [-readme README.md] rendered.yaml...
//
// With -readme, every environment variable the manifests set must be one the README's
// Configuration tables document (or the _FILE variant of one).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	readme := flag.String("readme", "", "README whose Configuration tables list the server's variables")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: validate [-readme README.md] rendered.yaml...")
		os.Exit(2)
	}
	var known variables
	if *readme != "" {
		text, err := os.ReadFile(*readme)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if known, err = documentedVariables(string(text)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	failed := false
	for _, path := range flag.Args() {
		problems, count := validateFile(path, known)
		for _, problem := range problems {
			fmt.Printf("%s: %s\n", path, problem)
		}
		if len(problems) > 0 {
			failed = true
			continue
		}
		fmt.Printf("%s: %d objects valid\n", path, count)
	}
	if failed {
		os.Exit(1)
	}
}

// validateFile decodes and checks one rendered file; it returns the problems found and the
// number of objects decoded.
func validateFile(path string, known variables) ([]string, int) {
	file, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}, 0
	}
	defer file.Close()
	objects, problems := decodeAll(file)
	if len(problems) > 0 {
		return problems, len(objects)
	}
	return checkObjects(objects, known), len(objects)
}
