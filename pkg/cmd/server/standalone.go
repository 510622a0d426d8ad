package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apiserver/pkg/authentication/request/anonymous"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	unionauthn "k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/token/tokenfile"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/authorization/path"
	unionauthz "k8s.io/apiserver/pkg/authorization/union"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// In standalone mode the server is its own identity provider: one admin bearer token, kept in the data
// dir (mode 0600) and written into admin.kubeconfig, maps to a member of system:masters. Anonymous
// requests may read the health endpoints and, with the controllers on, reach the git webhook
// endpoint (webhook.go), and nothing else.

const (
	adminTokenFile = "admin-token"
	kubeconfigFile = "admin.kubeconfig"
)

// healthPaths are readable without credentials.
var healthPaths = []string{"/healthz", "/healthz/*", "/readyz", "/readyz/*", "/livez", "/livez/*", "/version", "/version/"}

func (o *Options) kubeconfigPath() string { return filepath.Join(o.DataDir, kubeconfigFile) }

func (o *Options) address() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(o.RecommendedOptions.SecureServing.BindPort))
}

// applyStandalone sets the authenticator and authorizer and writes the admin kubeconfig.
func (o *Options) applyStandalone(cfg *genericapiserver.RecommendedConfig) error {
	token, err := adminToken(filepath.Join(o.DataDir, adminTokenFile))
	if err != nil {
		return err
	}
	admin := &user.DefaultInfo{Name: "admin", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}
	// A request that presents a token must present the right one (401 otherwise); only requests without
	// credentials fall through to anonymous.
	cfg.Authentication.Authenticator = unionauthn.NewFailOnError(
		bearertoken.New(tokenfile.New(map[string]*user.DefaultInfo{token: admin})),
		anonymous.NewAuthenticator(nil),
	)
	health, err := path.NewAuthorizer(append(slices.Clone(healthPaths), o.anonymousWebhookPaths()...))
	if err != nil {
		return err
	}
	cfg.Authorization.Authorizer, err = unionauthz.New(
		unionauthz.NamedAuthorizer{AuthorizerName: "health", Authorizer: health},
		unionauthz.NamedAuthorizer{AuthorizerName: "masters", Authorizer: authorizerfactory.NewPrivilegedGroups(user.SystemPrivilegedGroup)},
	)
	if err != nil {
		return err
	}
	return o.writeKubeconfig(token)
}

// adminToken reads the admin token from file, creating it on first start.
func adminToken(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err == nil && len(strings.TrimSpace(string(data))) > 0 {
		// The token grants system:masters: whatever mode a copied data dir brought, keep it owner-only.
		if err := os.Chmod(file, 0o600); err != nil {
			return "", fmt.Errorf("admin token: %w", err)
		}
		return strings.TrimSpace(string(data)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("admin token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	token := hex.EncodeToString(raw)
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return token, nil
}

// writeKubeconfig writes DATA_DIR/admin.kubeconfig for the admin user, trusting the serving certificate.
func (o *Options) writeKubeconfig(token string) error {
	certFile := o.RecommendedOptions.SecureServing.ServerCert.CertKey.CertFile
	ca, err := os.ReadFile(certFile)
	if err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["fleet"] = &clientcmdapi.Cluster{Server: "https://" + o.address(), CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["fleet"] = &clientcmdapi.Context{Cluster: "fleet", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "fleet"
	if err := clientcmd.WriteToFile(*cfg, o.kubeconfigPath()); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return os.Chmod(o.kubeconfigPath(), 0o600)
}

// readinessCheck makes /readyz report the database.
type readinessCheck struct{ db *sqlstore.DB }

func (c readinessCheck) Name() string { return "sql-storage" }

func (c readinessCheck) Check(req *http.Request) error { return c.db.Ping(req.Context()) }
