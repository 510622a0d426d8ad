package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeNodeAnnotation marks the nodes kwok manages.
const fakeNodeAnnotation = "kwok.x-k8s.io/node"

func (c *Cluster) startKwok() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	_, err = c.start(Kwok, []string{
		"--kubeconfig=" + c.AdminKubeconfig,
		"--config=" + filepath.Join(c.BinDir, "kwok-stages.yaml"),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + fakeNodeAnnotation + "=fake",
		"--node-lease-duration-seconds=40",
		"--node-ip=127.0.0.1",
		"--server-address=127.0.0.1:" + strconv.Itoa(port),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.progress, "fleet-kube: kwok started\n")
	return nil
}

// AddFakeNode registers a node that kwok plays the kubelet of (Options.Kwok).
func (c *Cluster) AddFakeNode(ctx context.Context, name string) error {
	cs, err := c.Clientset()
	if err != nil {
		return err
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{fakeNodeAnnotation: "fake"},
			Labels:      map[string]string{"type": "kwok", corev1.LabelHostname: name},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{"cpu": resourceQuantity("32"), "memory": resourceQuantity("256Gi"), "pods": resourceQuantity("110")},
			Capacity:    corev1.ResourceList{"cpu": resourceQuantity("32"), "memory": resourceQuantity("256Gi"), "pods": resourceQuantity("110")},
		},
	}
	_, err = cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	return err
}

func resourceQuantity(s string) resource.Quantity { return resource.MustParse(s) }
