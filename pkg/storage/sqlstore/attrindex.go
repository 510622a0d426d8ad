package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"
)

// attrSet is what the side tables index for a resource: its labels, and the
// selectable fields by name. metadata.name and metadata.namespace are never
// stored (keys encode them).
type attrSet struct {
	Labels bool     `json:"labels"`
	Fields []string `json:"fields"`
}

// encode is the canonical text stored in attr_index (fields sorted).
func (a attrSet) encode() string {
	if a.Fields == nil {
		a.Fields = []string{}
	}
	b, err := json.Marshal(a)
	if err != nil {
		// A struct of a bool and strings always marshals.
		panic(err)
	}
	return string(b)
}

// decodeAttrSet reads a stored set; anything unreadable indexes nothing.
func decodeAttrSet(text string) attrSet {
	var a attrSet
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		return attrSet{}
	}
	return a
}

// intersect is what both sets index.
func (a attrSet) intersect(b attrSet) attrSet {
	out := attrSet{Labels: a.Labels && b.Labels}
	for _, f := range a.Fields {
		if b.hasField(f) {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

func (a attrSet) hasField(name string) bool { return slices.Contains(a.Fields, name) }

// wantedAttrs is the set the store's AttrFunc indexes: labels, and the field
// names it returns for an empty object. An AttrFunc returns the same field
// names for every object of its kind (as registry AttrFuncs do); a field
// that only some objects have is written but never trusted for push-down.
func (s *store) wantedAttrs() attrSet {
	want := attrSet{Labels: true, Fields: []string{}}
	if s.newFunc == nil {
		return want
	}
	_, fs, err := s.attrFunc(s.newFunc())
	if err != nil {
		klog.V(2).InfoS("Cannot list the selectable fields of an empty object; field selectors are filtered in Go", "resource", s.groupResource, "err", err)
		return want
	}
	for name := range fs {
		if name != "metadata.name" && name != "metadata.namespace" {
			want.Fields = append(want.Fields, name)
		}
	}
	slices.Sort(want.Fields)
	return want
}

// openIndex records what this store's writes index (the target) and
// reports whether stored objects must be re-indexed first: the resource
// has objects and its recorded set differs (no record: a database written
// before the record existed, a resource written by a store without
// AttrFunc, or one whose AttrFunc changed). What stays recorded as indexed
// is what the old record, its target (a re-index towards it may have been
// interrupted) and this store's set share. An empty resource is indexed at
// once.
func (s *store) openIndex(ctx context.Context) (bool, error) {
	want := s.want.encode()
	lo, hi := prefixRange(s.indexKey)
	reindex := false
	err := s.db.write(ctx, func(ctx context.Context, t *writeTx) error {
		var indexed, target string
		found, err := t.r.queryRow(ctx, stmtGetAttrIndex, []any{&indexed, &target}, s.indexKey)
		if err != nil {
			return err
		}
		if found && indexed == want && target == want {
			return errNothingToDo
		}
		var one int64
		nonEmpty, err := t.r.queryRow(ctx, stmtAnyObject, []any{&one}, lo, hi)
		if err != nil {
			return err
		}
		// What every object is still indexed with: a re-index towards the
		// recorded target (maybe interrupted) rewrote rows of some objects
		// with it, and this store writes its own set from now on.
		indexed = decodeAttrSet(indexed).intersect(decodeAttrSet(target)).intersect(s.want).encode()
		if !nonEmpty {
			indexed = want
		}
		reindex = indexed != want
		_, err = t.r.exec(ctx, stmtSetAttrIndex, s.indexKey, indexed, want)
		return err
	})
	if errors.Is(err, errNothingToDo) {
		return false, nil
	}
	return reindex, err
}

// indexState is what push-down may trust for this resource, read in the
// list's snapshot: what every stored object is indexed with (indexed) and
// what writes maintain now (target). A missing record trusts nothing.
func (s *store) indexState(ctx context.Context, r runner) (attrSet, error) {
	if s.attrFunc == nil {
		return attrSet{}, nil
	}
	var indexed, target string
	found, err := r.queryRow(ctx, stmtGetAttrIndex, []any{&indexed, &target}, s.indexKey)
	if err != nil || !found {
		return attrSet{}, err
	}
	return decodeAttrSet(indexed).intersect(decodeAttrSet(target)), nil
}

// attrsOf computes the labels and fields stored for push-down. Fields that
// keys already encode (metadata.name, metadata.namespace) are not stored:
// the registry turns them into key lookups and prefixes.
func (s *store) attrsOf(obj runtime.Object) *attrs {
	if s.attrFunc == nil {
		return nil
	}
	ls, fs, err := s.attrFunc(obj)
	if err != nil {
		// The object cannot match any selector then; index nothing.
		klog.V(4).InfoS("Cannot compute object attributes for indexing", "resource", s.groupResource, "err", err)
		return &attrs{}
	}
	a := &attrs{labels: map[string]string(ls), fields: make(map[string]string, len(fs))}
	for k, v := range fs {
		if k == "metadata.name" || k == "metadata.namespace" {
			continue
		}
		a.fields[k] = v
	}
	return a
}

// putRequest returns the write of a value at key with the attrs of obj.
func (s *store) putRequest(key string, value []byte, expectRV int64, ttl uint64, obj runtime.Object) putRequest {
	req := putRequest{key: key, value: value, expectRV: expectRV, ttl: ttl, attrs: s.attrsOf(obj)}
	if req.attrs == nil {
		req.unindexed = s.indexKey
	}
	return req
}
