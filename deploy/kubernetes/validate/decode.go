package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// strict decodes YAML into client-go's typed objects, failing on unknown and duplicate
// fields as well as on wrong types.
var strict = json.NewSerializerWithOptions(
	json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	json.SerializerOptions{Yaml: true, Strict: true},
)

// decodeAll reads every document of a multi-document YAML stream; empty documents are
// skipped. Each document that does not decode strictly is one problem, named by its
// position and, when it has one, its kind and name.
func decodeAll(r io.Reader) ([]runtime.Object, []string) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objects []runtime.Object
	var problems []string
	for index := 1; ; index++ {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objects, problems
		}
		if err != nil {
			return objects, append(problems, fmt.Sprintf("document %d: %v", index, err))
		}
		if len(bytes.TrimSpace(document)) == 0 {
			continue
		}
		object, _, err := strict.Decode(document, nil, nil)
		if err != nil {
			problems = append(problems, fmt.Sprintf("document %d (%s): %v", index, describe(document), err))
			continue
		}
		objects = append(objects, object)
	}
}

// describe names a document by kind and name as far as a lenient read can tell.
func describe(document []byte) string {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := utilyaml.Unmarshal(document, &head); err != nil || head.Kind == "" {
		return "unknown kind"
	}
	return head.Kind + "/" + head.Metadata.Name
}
