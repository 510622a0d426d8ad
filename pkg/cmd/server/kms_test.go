package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	kmsservice "k8s.io/kms/pkg/service"
)

// localKMS is the key-management side of a KMS v2 plugin with its key-encryption key in memory: the
// one narrow seam of the test (a real plugin would ask an HSM or a cloud KMS). Everything between it and
// the store is real: k8s.io/kms's gRPC plugin server on a unix socket, k8s.io/apiserver's KMS v2
// envelope transformer and its health probe.
type localKMS struct {
	kek      cipher.AEAD
	encrypts atomic.Int64
}

const localKMSKeyID = "local-kek-1"

func newLocalKMS(t *testing.T) *localKMS {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &localKMS{kek: aead}
}

// Encrypt wraps the data (the apiserver's DEK seed) with the key-encryption key.
func (k *localKMS) Encrypt(_ context.Context, _ string, data []byte) (*kmsservice.EncryptResponse, error) {
	k.encrypts.Add(1)
	nonce := make([]byte, k.kek.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return &kmsservice.EncryptResponse{Ciphertext: k.kek.Seal(nonce, nonce, data, nil), KeyID: localKMSKeyID}, nil
}

// Decrypt unwraps what Encrypt wrapped.
func (k *localKMS) Decrypt(_ context.Context, _ string, req *kmsservice.DecryptRequest) ([]byte, error) {
	if req.KeyID != localKMSKeyID {
		return nil, errors.New("unknown key " + req.KeyID)
	}
	n := k.kek.NonceSize()
	if len(req.Ciphertext) < n {
		return nil, errors.New("ciphertext too short")
	}
	return k.kek.Open(nil, req.Ciphertext[:n], req.Ciphertext[n:], nil)
}

// Status reports a healthy KMS v2 plugin.
func (k *localKMS) Status(context.Context) (*kmsservice.StatusResponse, error) {
	return &kmsservice.StatusResponse{Version: "v2", Healthz: "ok", KeyID: localKMSKeyID}, nil
}

// startKMSPlugin serves kms over the KMS v2 gRPC API on a unix socket, stopped at cleanup.
func startKMSPlugin(t *testing.T, kms *localKMS) string {
	t.Helper()
	// A short directory: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "kms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "kms.sock")
	plugin := kmsservice.NewGRPCService(socket, wait.ForeverTestTimeout, kms)
	served := make(chan error, 1)
	go func() { served <- plugin.ListenAndServe() }()
	t.Cleanup(func() {
		plugin.Close()
		<-served
	})
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		select {
		case err := <-served:
			return false, err
		default:
		}
		_, err := os.Stat(socket)
		return err == nil, nil
	}); err != nil {
		t.Fatalf("KMS plugin did not listen on %s: %v", socket, err)
	}
	return socket
}

// TestEncryptionProviderConfigKMSv2: a kms v2 provider encrypts stored values through a plugin on a
// unix socket (the stored value carries the k8s:enc:kms:v2 prefix, not the plaintext) and they read
// back; the plugin's health check joins /readyz.
func TestEncryptionProviderConfigKMSv2(t *testing.T) {
	kms := newLocalKMS(t)
	socket := startKMSPlugin(t, kms)
	transformers, c := loadTransformers(t, encryptionConfig(t,
		"kms: {apiVersion: v2, name: local, endpoint: unix://"+socket+", timeout: 10s}", "identity: {}"))

	path := filepath.Join(t.TempDir(), "fleet.db")
	db, s := gitRepoStore(t, path, transformers)
	defer closeDB(t, db)
	createGitRepo(t, s, "kms", "secret-kms")
	assertGitRepo(t, s, "kms", "secret-kms")
	assertEncrypted(t, storedValue(t, path, "kms"), "k8s:enc:kms:v2:local:", "secret-kms")
	if kms.encrypts.Load() == 0 {
		t.Fatal("the plugin never wrapped a key")
	}

	var checked bool
	for _, check := range c.ReadyzChecks {
		if check.Name() != "kms-providers" {
			continue
		}
		if err := check.Check(httptest.NewRequest("GET", "/readyz", nil)); err != nil {
			t.Fatalf("KMS readiness check: %v", err)
		}
		checked = true
	}
	if !checked {
		t.Fatal("no kms-providers readiness check")
	}
}
