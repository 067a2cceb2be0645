package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// requiredLabels are on every object and every pod template, as name=value pairs.
var requiredLabels = [][2]string{
	{"app.kubernetes.io/name", "ragplane"},
	{"app.kubernetes.io/part-of", "ragplane"},
}

// workload is a Deployment or StatefulSet, as far as the checks care.
type workload struct {
	id        string
	namespace string
	name      string
	kind      string
	selector  *metav1.LabelSelector
	template  corev1.PodTemplateSpec
	// claims are a StatefulSet's volumeClaimTemplates, mountable like volumes.
	claims []string
}

// rendered is one overlay's objects, indexed for the checks that follow references.
type rendered struct {
	workloads  []workload
	configMaps map[string]*corev1.ConfigMap
	services   map[string]*corev1.Service
}

// problems collects what the checks find, one line each.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// checkObjects applies ragplane's rules to strictly decoded objects: the app labels on every
// object; on every workload's pods the security context, resources, probes, volumes and
// variables (see checkPod); and references that must resolve within the render (selectors
// select a workload, the autoscaler targets one, a StatefulSet names a headless Service).
func checkObjects(objects []runtime.Object, known variables) []string {
	var found problems
	index := rendered{configMaps: map[string]*corev1.ConfigMap{}, services: map[string]*corev1.Service{}}
	for _, object := range objects {
		accessor, err := meta.Accessor(object)
		if err != nil {
			found.add("%T: %v", object, err)
			continue
		}
		id := object.GetObjectKind().GroupVersionKind().Kind + "/" + accessor.GetName()
		checkLabels(&found, id, accessor.GetLabels())
		key := accessor.GetNamespace() + "/" + accessor.GetName()
		switch typed := object.(type) {
		case *appsv1.Deployment:
			index.workloads = append(index.workloads, workload{
				id: id, namespace: typed.Namespace, name: typed.Name, kind: "Deployment",
				selector: typed.Spec.Selector, template: typed.Spec.Template,
			})
		case *appsv1.StatefulSet:
			var claims []string
			for _, claim := range typed.Spec.VolumeClaimTemplates {
				claims = append(claims, claim.Name)
			}
			index.workloads = append(index.workloads, workload{
				id: id, namespace: typed.Namespace, name: typed.Name, kind: "StatefulSet",
				selector: typed.Spec.Selector, template: typed.Spec.Template, claims: claims,
			})
		case *corev1.ConfigMap:
			index.configMaps[key] = typed
		case *corev1.Service:
			index.services[key] = typed
		}
	}
	if len(index.workloads) == 0 {
		found.add("no Deployment or StatefulSet")
	}
	for _, w := range index.workloads {
		checkPod(&found, w, index, known)
	}
	for _, object := range objects {
		checkReferences(&found, object, index)
	}
	return found
}

func checkLabels(found *problems, id string, have map[string]string) {
	for _, label := range requiredLabels {
		if have[label[0]] != label[1] {
			found.add("%s: label %s=%s missing", id, label[0], label[1])
		}
	}
}

// checkReferences checks that what an object points at is in the render.
func checkReferences(found *problems, object runtime.Object, index rendered) {
	switch typed := object.(type) {
	case *corev1.Service:
		id := "Service/" + typed.Name
		selected := index.selectedBy(found, id, typed.Namespace, &metav1.LabelSelector{MatchLabels: typed.Spec.Selector})
		for _, port := range typed.Spec.Ports {
			if port.TargetPort.StrVal != "" && !anyDeclares(selected, port.TargetPort.StrVal) {
				found.add("%s: targetPort %q is no container port of the pods it selects", id, port.TargetPort.StrVal)
			}
		}
	case *policyv1.PodDisruptionBudget:
		index.selectedBy(found, "PodDisruptionBudget/"+typed.Name, typed.Namespace, typed.Spec.Selector)
	case *networkingv1.NetworkPolicy:
		id := "NetworkPolicy/" + typed.Name
		selected := index.selectedBy(found, id, typed.Namespace, &typed.Spec.PodSelector)
		for _, rule := range typed.Spec.Ingress {
			for _, port := range rule.Ports {
				if port.Port != nil && port.Port.StrVal != "" && !anyDeclares(selected, port.Port.StrVal) {
					found.add("%s: ingress port %q is no container port of the pods it selects", id, port.Port.StrVal)
				}
			}
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		target := typed.Spec.ScaleTargetRef
		if !index.hasWorkload(typed.Namespace, target.Kind, target.Name) {
			found.add("HorizontalPodAutoscaler/%s: scales %s/%s, which is not rendered", typed.Name, target.Kind, target.Name)
		}
	case *appsv1.StatefulSet:
		service := index.services[typed.Namespace+"/"+typed.Spec.ServiceName]
		if service == nil || service.Spec.ClusterIP != corev1.ClusterIPNone {
			found.add("StatefulSet/%s: serviceName %q is no headless Service in the render", typed.Name, typed.Spec.ServiceName)
		}
	}
}

// selectedBy returns the workloads in namespace whose pods selector matches, reporting a
// selector that matches none.
func (r rendered) selectedBy(found *problems, id, namespace string, selector *metav1.LabelSelector) []workload {
	parsed, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil || selector == nil || parsed.Empty() {
		found.add("%s: needs a non-empty selector", id)
		return nil
	}
	var selected []workload
	for _, w := range r.workloads {
		if w.namespace == namespace && parsed.Matches(labels.Set(w.template.Labels)) {
			selected = append(selected, w)
		}
	}
	if len(selected) == 0 {
		found.add("%s: selector %s matches no workload's pods", id, parsed)
	}
	return selected
}

func (r rendered) hasWorkload(namespace, kind, name string) bool {
	for _, w := range r.workloads {
		if w.namespace == namespace && w.kind == kind && w.name == name {
			return true
		}
	}
	return false
}

func anyDeclares(workloads []workload, portName string) bool {
	for _, w := range workloads {
		for _, container := range w.template.Spec.Containers {
			for _, port := range container.Ports {
				if port.Name == portName {
					return true
				}
			}
		}
	}
	return false
}
