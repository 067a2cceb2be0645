package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkPod checks one workload's pod template: it carries the app labels and its selector
// selects it; it mounts no service account token; every container has resource requests
// and a memory limit, runs as non-root on a read-only root filesystem with no capabilities,
// no privilege escalation and the RuntimeDefault seccomp profile; every regular container
// has liveness and readiness probes, and a gRPC probe targets the container's
// HEALTH_PROBE_PORT; mounts name pod volumes; and every variable is one the server reads,
// with secrets (and private keys) only as *_FILE paths into a mounted Secret, and every
// other file variable pointing into a mounted volume.
func checkPod(found *problems, w workload, index rendered, known variables) {
	pod := w.template.Spec
	checkLabels(found, w.id+" pod template", w.template.Labels)
	if selector, err := metav1.LabelSelectorAsSelector(w.selector); err != nil || selector.Empty() ||
		!selector.Matches(labels.Set(w.template.Labels)) {
		found.add("%s: selector does not select its own pod template", w.id)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		found.add("%s: automountServiceAccountToken must be false", w.id)
	}
	volumes := map[string]corev1.Volume{}
	for _, volume := range pod.Volumes {
		volumes[volume.Name] = volume
	}
	for _, claim := range w.claims {
		volumes[claim] = corev1.Volume{Name: claim}
	}
	for _, container := range pod.InitContainers {
		checkContainer(found, w.id+" init container "+container.Name, pod, container, volumes, index, known, w.namespace)
	}
	for _, container := range pod.Containers {
		id := w.id + " container " + container.Name
		checkContainer(found, id, pod, container, volumes, index, known, w.namespace)
		if container.LivenessProbe == nil || container.ReadinessProbe == nil {
			found.add("%s: needs a liveness and a readiness probe", id)
		}
	}
}

func checkContainer(found *problems, id string, pod corev1.PodSpec, container corev1.Container,
	volumes map[string]corev1.Volume, index rendered, known variables, namespace string) {
	requests, limits := container.Resources.Requests, container.Resources.Limits
	if requests.Cpu().IsZero() || requests.Memory().IsZero() || limits.Memory().IsZero() {
		found.add("%s: needs cpu and memory requests and a memory limit", id)
	}
	checkSecurity(found, id, pod.SecurityContext, container.SecurityContext)
	mounts := map[string]corev1.Volume{}
	for _, mount := range container.VolumeMounts {
		volume, ok := volumes[mount.Name]
		if !ok {
			found.add("%s: mounts %q, which is no volume of the pod", id, mount.Name)
			continue
		}
		mounts[strings.TrimSuffix(mount.MountPath, "/")] = volume
	}
	env := containerEnv(found, id, container, index, namespace)
	for _, name := range slices.Sorted(maps.Keys(env)) {
		checkVariable(found, id, name, env[name], mounts, known)
	}
	for _, probe := range []*corev1.Probe{container.StartupProbe, container.LivenessProbe, container.ReadinessProbe} {
		if probe == nil || probe.GRPC == nil {
			continue
		}
		port := strconv.Itoa(int(probe.GRPC.Port))
		if env["HEALTH_PROBE_PORT"] != port || !declaresPort(container, probe.GRPC.Port) {
			found.add("%s: gRPC probe on port %s, which is not its declared HEALTH_PROBE_PORT", id, port)
		}
	}
}

func checkSecurity(found *problems, id string, pod *corev1.PodSecurityContext, container *corev1.SecurityContext) {
	if container == nil {
		container = &corev1.SecurityContext{}
	}
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	nonRoot := first(container.RunAsNonRoot, pod.RunAsNonRoot)
	user := first(container.RunAsUser, pod.RunAsUser)
	if nonRoot == nil || !*nonRoot || (user != nil && *user == 0) {
		found.add("%s: must run as non-root (runAsNonRoot: true)", id)
	}
	if container.ReadOnlyRootFilesystem == nil || !*container.ReadOnlyRootFilesystem {
		found.add("%s: needs readOnlyRootFilesystem: true", id)
	}
	if container.AllowPrivilegeEscalation == nil || *container.AllowPrivilegeEscalation {
		found.add("%s: needs allowPrivilegeEscalation: false", id)
	}
	if container.Capabilities == nil || !slices.Contains(container.Capabilities.Drop, "ALL") ||
		len(container.Capabilities.Add) > 0 {
		found.add("%s: must drop ALL capabilities and add none", id)
	}
	seccomp := first(container.SeccompProfile, pod.SeccompProfile)
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		found.add("%s: needs the RuntimeDefault seccomp profile", id)
	}
}

// containerEnv is the container's environment: its ConfigMaps' data (envFrom), then its
// own env entries (a value from a reference counts as set, with no path to check).
func containerEnv(found *problems, id string, container corev1.Container, index rendered, namespace string) map[string]string {
	env := map[string]string{}
	for _, source := range container.EnvFrom {
		if source.ConfigMapRef == nil {
			continue
		}
		configMap := index.configMaps[namespace+"/"+source.ConfigMapRef.Name]
		if configMap == nil {
			if source.ConfigMapRef.Optional == nil || !*source.ConfigMapRef.Optional {
				found.add("%s: envFrom ConfigMap %q is not rendered", id, source.ConfigMapRef.Name)
			}
			continue
		}
		for name, value := range configMap.Data {
			env[source.Prefix+name] = value
		}
	}
	for _, variable := range container.Env {
		env[variable.Name] = variable.Value
	}
	return env
}

func checkVariable(found *problems, id, name, value string, mounts map[string]corev1.Volume, known variables) {
	if !known.has(name) {
		found.add("%s: sets %s, which the server does not read", id, name)
	}
	if secretVariables[name] {
		found.add("%s: sets %s inline; give it as %s_FILE from a mounted Secret", id, name, name)
	}
	base, isFile := strings.CutSuffix(name, "_FILE")
	if (!isFile && name != "NODE_EXTRA_CA_CERTS") || value == "" {
		return
	}
	volume, mounted := mountHolding(mounts, value)
	secret := secretVariables[base] || strings.HasSuffix(name, "_KEY_FILE")
	switch {
	case !mounted:
		found.add("%s: %s=%s is under no volume mount", id, name, value)
	case secret && volume.Secret == nil && volume.Projected == nil:
		found.add("%s: %s=%s must come from a Secret volume", id, name, value)
	}
}

// mountHolding finds the volume mounted at the longest mount path that contains path.
func mountHolding(mounts map[string]corev1.Volume, path string) (corev1.Volume, bool) {
	best := ""
	for mountPath := range mounts {
		if strings.HasPrefix(path, mountPath+"/") && len(mountPath) > len(best) {
			best = mountPath
		}
	}
	volume, ok := mounts[best]
	return volume, ok && best != ""
}

func declaresPort(container corev1.Container, port int32) bool {
	for _, declared := range container.Ports {
		if declared.ContainerPort == port {
			return true
		}
	}
	return false
}

func first[T any](values ...*T) *T {
	for _, value := range values {
		if value != nil {
			return value
		}
	}
	return nil
}
