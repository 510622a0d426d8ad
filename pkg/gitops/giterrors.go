package gitops

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/fleetapi/fleet/pkg/redact"
)

// GitError is a classified git failure; Reason is one of the Reason constants.
type GitError struct {
	Reason string
	Err    error
}

func (e *GitError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *GitError) Unwrap() error { return e.Err }

// classifyGitError gives a go-git error a reason and a message that names the repository without
// its password.
func classifyGitError(repo string, err error) error {
	reason := ReasonRepositoryUnreachable
	var hke *HostKeyError
	switch {
	case errors.As(err, &hke):
		reason = hke.Reason
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod), isSSHAuthFailure(err):
		reason = ReasonAuthenticationFailed
	case errors.Is(err, transport.ErrRepositoryNotFound):
		reason = ReasonRepositoryNotFound
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		reason = ReasonRepositoryEmpty
	}
	return &GitError{Reason: reason, Err: fmt.Errorf("git %s: %w", redact.URL(repo), redact.Error(err))}
}

// isSSHAuthFailure reports whether the SSH server refused every key offered. golang.org/x/crypto/ssh
// has no error type for it, only this message.
func isSSHAuthFailure(err error) bool {
	return strings.Contains(err.Error(), "ssh: unable to authenticate")
}

// target is what a GitRepo follows, resolved against the remote's refs.
type target struct {
	// ref is the reference to clone ("" when cloning a bare commit id).
	ref string
	// commit is the commit id the ref points at.
	commit string
}

// resolve finds the commit of branch or revision in refs (from Fetcher.Refs).
func resolve(refs map[string]string, branch, revision string) (target, error) {
	if revision != "" {
		for _, name := range []string{"refs/tags/" + revision + "^{}", "refs/tags/" + revision, "refs/heads/" + revision} {
			if c, ok := refs[name]; ok {
				return target{ref: strings.TrimSuffix(name, "^{}"), commit: c}, nil
			}
		}
		if commitIDRE.MatchString(revision) {
			return target{commit: strings.ToLower(revision)}, nil
		}
		return target{}, &GitError{Reason: ReasonRevisionNotFound, Err: fmt.Errorf("revision %q is not a tag, branch or commit id of the repository", revision)}
	}
	if branch == "" {
		branch = "master"
	}
	c, ok := refs["refs/heads/"+branch]
	if !ok {
		return target{}, &GitError{Reason: ReasonBranchNotFound, Err: fmt.Errorf("branch %q not found in the repository", branch)}
	}
	return target{ref: "refs/heads/" + branch, commit: c}, nil
}

var commitIDRE = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
