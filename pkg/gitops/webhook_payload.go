package gitops

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"
)

// The push payloads of each provider, reduced to a pushEvent. Only the fields needed are decoded;
// refs must be branches or tags and commits ids, so nothing else from an unverified body reaches the
// reconciler.

// commitRE matches a SHA-1 or SHA-256 commit id; zeroRE a deleted ref's all-zero id.
var (
	commitRE = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	zeroRE   = regexp.MustCompile(`^0+$`)
)

// newUpdate checks a ref and commit from a payload: refs must be branches or tags, commits ids.
func newUpdate(ref, commit string) (refUpdate, error) {
	if !strings.HasPrefix(ref, "refs/heads/") && !strings.HasPrefix(ref, "refs/tags/") || len(ref) > 1024 {
		return refUpdate{}, fmt.Errorf("ref %q is neither refs/heads/… nor refs/tags/…", truncate(ref))
	}
	commit = strings.ToLower(commit)
	switch {
	case commit == "" || zeroRE.MatchString(commit):
		commit = ""
	case !commitRE.MatchString(commit):
		return refUpdate{}, fmt.Errorf("%q is not a commit id", truncate(commit))
	}
	return refUpdate{ref: ref, commit: commit}, nil
}

func finish(ev pushEvent) (pushEvent, error) {
	urls := ev.repoURLs[:0]
	for _, u := range ev.repoURLs {
		if u != "" {
			urls = append(urls, u)
		}
	}
	ev.repoURLs = urls
	if len(ev.repoURLs) == 0 {
		return pushEvent{}, errors.New("the payload names no repository URL")
	}
	if len(ev.updates) == 0 {
		return pushEvent{}, errors.New("the payload names no ref")
	}
	return ev, nil
}

// parseGitHubStyle reads the push payload of GitHub, Gitea and Gogs (JSON, or GitHub's form encoding
// with the JSON in the field "payload").
func parseGitHubStyle(body []byte, contentType string) (pushEvent, error) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return pushEvent{}, fmt.Errorf("form payload: %w", err)
		}
		body = []byte(form.Get("payload"))
	}
	var p struct {
		Ref        string `json:"ref"`
		After      string `json:"after"`
		Repository struct {
			CloneURL string `json:"clone_url"`
			SSHURL   string `json:"ssh_url"`
			HTMLURL  string `json:"html_url"`
			GitURL   string `json:"git_url"`
			URL      string `json:"url"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return pushEvent{}, err
	}
	u, err := newUpdate(p.Ref, p.After)
	if err != nil {
		return pushEvent{}, err
	}
	r := p.Repository
	return finish(pushEvent{repoURLs: []string{r.CloneURL, r.SSHURL, r.HTMLURL, r.GitURL, r.URL}, updates: []refUpdate{u}})
}

// parseGitLab reads GitLab's Push Hook and Tag Push Hook payloads.
func parseGitLab(body []byte, _ string) (pushEvent, error) {
	var p struct {
		Ref         string `json:"ref"`
		After       string `json:"after"`
		CheckoutSHA string `json:"checkout_sha"`
		Project     struct {
			WebURL     string `json:"web_url"`
			GitSSHURL  string `json:"git_ssh_url"`
			GitHTTPURL string `json:"git_http_url"`
		} `json:"project"`
		Repository struct {
			URL        string `json:"url"`
			Homepage   string `json:"homepage"`
			GitSSHURL  string `json:"git_ssh_url"`
			GitHTTPURL string `json:"git_http_url"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return pushEvent{}, err
	}
	// checkout_sha is the commit a tag push points at (after may be the annotated tag object); it is
	// null when the ref was deleted.
	commit := p.CheckoutSHA
	if commit == "" {
		commit = p.After
	}
	u, err := newUpdate(p.Ref, commit)
	if err != nil {
		return pushEvent{}, err
	}
	if p.CheckoutSHA == "" {
		u.commit = ""
	}
	return finish(pushEvent{
		repoURLs: []string{p.Project.GitHTTPURL, p.Project.GitSSHURL, p.Project.WebURL,
			p.Repository.GitHTTPURL, p.Repository.GitSSHURL, p.Repository.Homepage, p.Repository.URL},
		updates: []refUpdate{u},
	})
}

// parseBitbucketCloud reads Bitbucket Cloud's repo:push payload.
func parseBitbucketCloud(body []byte, _ string) (pushEvent, error) {
	type ref struct {
		Type   string `json:"type"`
		Name   string `json:"name"`
		Target struct {
			Hash string `json:"hash"`
		} `json:"target"`
	}
	var p struct {
		Repository struct {
			Links struct {
				HTML struct {
					Href string `json:"href"`
				} `json:"html"`
			} `json:"links"`
		} `json:"repository"`
		Push struct {
			Changes []struct {
				New *ref `json:"new"`
				Old *ref `json:"old"`
			} `json:"changes"`
		} `json:"push"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return pushEvent{}, err
	}
	ev := pushEvent{repoURLs: []string{p.Repository.Links.HTML.Href}}
	for _, c := range p.Push.Changes {
		r, commit := c.New, ""
		if r != nil {
			commit = r.Target.Hash
		} else if r = c.Old; r == nil {
			continue
		}
		prefix := "refs/heads/"
		if r.Type == "tag" {
			prefix = "refs/tags/"
		}
		u, err := newUpdate(prefix+r.Name, commit)
		if err != nil {
			return pushEvent{}, err
		}
		ev.updates = append(ev.updates, u)
	}
	return finish(ev)
}

// parseBitbucketServer reads Bitbucket Server's (Data Center's) repo:refs_changed payload.
func parseBitbucketServer(body []byte, _ string) (pushEvent, error) {
	var p struct {
		Repository struct {
			Links struct {
				Clone []struct {
					Href string `json:"href"`
				} `json:"clone"`
			} `json:"links"`
		} `json:"repository"`
		Changes []struct {
			RefID  string `json:"refId"`
			ToHash string `json:"toHash"`
			Type   string `json:"type"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return pushEvent{}, err
	}
	var ev pushEvent
	for _, c := range p.Repository.Links.Clone {
		ev.repoURLs = append(ev.repoURLs, c.Href)
	}
	for _, c := range p.Changes {
		commit := c.ToHash
		if c.Type == "DELETE" {
			commit = ""
		}
		u, err := newUpdate(c.RefID, commit)
		if err != nil {
			return pushEvent{}, err
		}
		ev.updates = append(ev.updates, u)
	}
	return finish(ev)
}

// parseAzureDevOps reads an Azure DevOps service hook of event type git.push.
func parseAzureDevOps(body []byte, _ string) (pushEvent, error) {
	var p struct {
		EventType string `json:"eventType"`
		Resource  struct {
			RefUpdates []struct {
				Name        string `json:"name"`
				NewObjectID string `json:"newObjectId"`
			} `json:"refUpdates"`
			Repository struct {
				RemoteURL string `json:"remoteUrl"`
				SSHURL    string `json:"sshUrl"`
				WebURL    string `json:"webUrl"`
			} `json:"repository"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return pushEvent{}, err
	}
	if p.EventType != "git.push" {
		return pushEvent{}, fmt.Errorf("azure-devops event %q is not handled: want git.push", truncate(p.EventType))
	}
	r := p.Resource.Repository
	ev := pushEvent{repoURLs: []string{r.RemoteURL, r.SSHURL, r.WebURL}}
	for _, ru := range p.Resource.RefUpdates {
		u, err := newUpdate(ru.Name, ru.NewObjectID)
		if err != nil {
			return pushEvent{}, err
		}
		ev.updates = append(ev.updates, u)
	}
	return finish(ev)
}
