package pairs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// ListOptions select BundleDeployments.
type ListOptions struct {
	// Namespace is a cluster namespace; "" lists every namespace.
	Namespace string
	// Labels selects by label (nil: everything).
	Labels labels.Selector
	// Name, when set, selects one name (metadata.name field selector).
	Name string
	// Limit caps the items of a page (0: no limit); Continue is the token of the previous page.
	Limit    int64
	Continue string
}

// List is one page of BundleDeployments.
type List struct {
	Items []v1alpha1.BundleDeployment
	// ResourceVersion is the revision the first page was read at; Continue the token of the next
	// page ("" on the last one).
	ResourceVersion string
	Continue        string
}

// continueToken is where a paged list goes on.
type continueToken struct {
	RV  int64  `json:"rv"`
	Key string `json:"key"` // "<cluster namespace>/<name>" of the last item returned
}

// walkBatch is how many clusters a list of all namespaces reads at a time.
const walkBatch = 256

// List returns BundleDeployments in key order (cluster namespace, then name). Later pages are
// read at the latest state, not at the first page's revision: a watch from the list's
// resourceVersion delivers what changed meanwhile (docs/bundledeployments.md §4). Selectors on
// fleet.cattle.io/bundle-name (with or without bundle-namespace) read only that Bundle's pairs;
// others are filtered as the pairs are read.
func (s *Store) List(ctx context.Context, o ListOptions) (*List, error) {
	var after string
	tokenRV := int64(0)
	if o.Continue != "" {
		tok, err := decodeContinue(o.Continue)
		if err != nil {
			return nil, errors.NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
		}
		after, tokenRV = tok.Key, tok.RV
	}
	sel := o.Labels
	if sel == nil {
		sel = labels.Everything()
	}
	out := &List{}
	err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		rv, err := tx.Revision(ctx)
		if err != nil {
			return err
		}
		if tokenRV != 0 {
			rv = tokenRV
		}
		out.ResourceVersion = strconv.FormatInt(rv, 10)
		emit := func(bd *v1alpha1.BundleDeployment) bool {
			key := bd.Namespace + "/" + bd.Name
			if key <= after || (o.Name != "" && bd.Name != o.Name) || !sel.Matches(labels.Set(bd.Labels)) {
				return true
			}
			if o.Limit > 0 && int64(len(out.Items)) == o.Limit {
				last := out.Items[len(out.Items)-1]
				out.Continue = encodeContinue(continueToken{RV: rv, Key: last.Namespace + "/" + last.Name})
				return false
			}
			out.Items = append(out.Items, *bd)
			return true
		}
		if name, ns, ok := bundleSelector(sel); ok {
			return s.walkBundle(ctx, tx, o.Namespace, ns, name, emit)
		}
		if o.Namespace != "" {
			c, err := s.clusterByNS(ctx, tx, o.Namespace)
			if err != nil || c == nil {
				return err
			}
			return s.walkCluster(ctx, tx, c, emit)
		}
		return s.walkAll(ctx, tx, after, emit)
	})
	return out, err
}

// walkCluster emits a cluster's BundleDeployments by name; false from emit stops.
func (s *Store) walkCluster(ctx context.Context, tx *sqlstore.Tx, c *clusterInfo, emit func(*v1alpha1.BundleDeployment) bool) error {
	rows, err := queryRows(ctx, tx, stmtPairsOfCluster, c.id, flagDeleted)
	if err != nil {
		return err
	}
	objs := make([]*v1alpha1.BundleDeployment, 0, len(rows))
	for _, r := range rows {
		bd, err := s.object(ctx, tx, r, c)
		if err != nil {
			return err
		}
		objs = append(objs, bd)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Name < objs[j].Name })
	for _, bd := range objs {
		if !emit(bd) {
			return errStop
		}
	}
	return nil
}

// walkAll emits every BundleDeployment after the key, cluster namespace by cluster namespace.
func (s *Store) walkAll(ctx context.Context, tx *sqlstore.Tx, after string, emit func(*v1alpha1.BundleDeployment) bool) error {
	from := "" // the first cluster namespace of the next batch (>=)
	if ns, _, ok := cutKey(after); ok {
		from = ns // the token's namespace may have more items
	}
	for {
		var clusters []*clusterInfo
		if err := tx.Query(ctx, stmtClustersFrom, []any{from, walkBatch}, func(scan func(dest ...any) error) error {
			c := &clusterInfo{}
			if err := scan(&c.id, &c.clusterNS); err != nil {
				return err
			}
			clusters = append(clusters, c)
			return nil
		}); err != nil {
			return err
		}
		for _, c := range clusters {
			full, err := s.cluster(ctx, tx, c.id)
			if err != nil {
				return err
			}
			if err := s.walkCluster(ctx, tx, full, emit); err != nil {
				if err == errStop {
					return nil
				}
				return err
			}
		}
		if len(clusters) < walkBatch {
			return nil
		}
		from = clusters[len(clusters)-1].clusterNS + "\x00" // the least string after it
	}
}

// walkBundle emits the BundleDeployments of bundles called name (in bundle namespace ns, or any),
// in key order, in one cluster namespace or all.
func (s *Store) walkBundle(ctx context.Context, tx *sqlstore.Tx, clusterNS, bundleNS, name string, emit func(*v1alpha1.BundleDeployment) bool) error {
	var ids []int64
	if err := tx.Query(ctx, stmtBundlesNamed, []any{name}, func(scan func(dest ...any) error) error {
		var id int64
		var ns string
		if err := scan(&id, &ns); err != nil {
			return err
		}
		if bundleNS == "" || ns == bundleNS {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		return err
	}
	var objs []*v1alpha1.BundleDeployment
	for _, id := range ids {
		rows, err := queryRows(ctx, tx, stmtPairsOfBundle, id)
		if err != nil {
			return err
		}
		pairs, err := s.livePairs(ctx, tx, rows)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if clusterNS != "" && p.cluster.clusterNS != clusterNS {
				continue
			}
			bd, err := s.object(ctx, tx, p.row, p.cluster)
			if err != nil {
				return err
			}
			objs = append(objs, bd)
		}
	}
	sort.Slice(objs, func(i, j int) bool {
		if objs[i].Namespace != objs[j].Namespace {
			return objs[i].Namespace < objs[j].Namespace
		}
		return objs[i].Name < objs[j].Name
	})
	for _, bd := range objs {
		if !emit(bd) {
			return nil
		}
	}
	return nil
}

// bundleSelector returns the bundle name (and namespace) a selector requires by equality.
func bundleSelector(sel labels.Selector) (name, namespace string, ok bool) {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return "", "", false
	}
	for _, r := range reqs {
		vals := r.Values().List()
		if len(vals) != 1 || (r.Operator() != "=" && r.Operator() != "==" && r.Operator() != "in") {
			continue
		}
		switch r.Key() {
		case v1alpha1.BundleLabel:
			name, ok = vals[0], true
		case v1alpha1.BundleNamespaceLabel:
			namespace = vals[0]
		}
	}
	return name, namespace, ok
}

var errStop = fmt.Errorf("stop")

func cutKey(key string) (ns, name string, ok bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i], key[i+1:], i > 0
		}
	}
	return "", "", false
}

func encodeContinue(t continueToken) string {
	js, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(js)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	js, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(js, &t); err != nil {
		return t, err
	}
	if t.RV <= 0 || t.Key == "" {
		return t, fmt.Errorf("missing revision or key")
	}
	return t, nil
}
