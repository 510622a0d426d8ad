package redact

import "strings"

// knownLogins are the user names that git hosts and registries document for use with a token as
// the password. They name a kind of credential, not an account, so messages keep them; every other
// user name of an http(s) or oci URL is masked, as it may be the token itself (GitHub accepts
// `https://<token>:x-oauth-basic@github.com/…` and `https://<token>@github.com/…`). A login not
// listed here is masked too: the rule errs on the side of hiding.
var knownLogins = map[string]bool{
	"git":                                  true, // SSH's user, also accepted over https by several hosts
	"oauth2":                               true, // GitLab (OAuth and personal access tokens), Bitbucket
	"x-access-token":                       true, // GitHub App installation tokens and GITHUB_TOKEN
	"x-oauth-basic":                        true, // GitHub's placeholder, either side of the colon
	"gitlab-ci-token":                      true, // GitLab CI job tokens
	"x-token-auth":                         true, // Bitbucket Cloud repository and workspace access tokens
	"x-bitbucket-api-token-auth":           true, // Bitbucket Cloud API tokens
	"aws":                                  true, // Amazon ECR
	"oauth2accesstoken":                    true, // Google Artifact Registry and GCR with an access token
	"_json_key":                            true, // Google Artifact Registry and GCR with a key file
	"_json_key_base64":                     true,
	"00000000-0000-0000-0000-000000000000": true, // Azure Container Registry with an Entra ID token
}

// knownLogin reports whether user is one of knownLogins (case-insensitively, as ECR's "AWS").
func knownLogin(user string) bool { return knownLogins[strings.ToLower(user)] }
