package sqlstore

import (
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apiserver/pkg/storage"
)

// pushdown is the SQL form of the indexable part of a selector. It only ever
// narrows a scan: the result is still checked with Predicate.Matches, so a
// requirement that cannot be expressed exactly is simply not pushed down.
type pushdown struct {
	// driver, when set, is an equality scanned through the (name, value,
	// key) index of its side table, which yields keys in order.
	driver *driverReq
	// filters are EXISTS / NOT EXISTS conditions on o.key.
	filters []string
	args    []any
	// index names the push-down in list metrics ("labels", "fields").
	index string
}

type driverReq struct {
	fields bool
	name   string
	value  string
}

// buildPushdown translates the label and field requirements of a predicate
// that the side tables index for every stored object (idx, see indexState).
// Supported: labels =, ==, !=, in, notin, exists, !exists; fields =, ==, !=
// with a non-empty value (a missing field reads as "" for field selectors,
// which a row lookup cannot express). metadata.name and metadata.namespace
// are not indexed: keys already encode them. A field outside idx is left to
// Predicate.Matches. It returns nil when nothing can be pushed down.
func buildPushdown(pred storage.SelectionPredicate, idx attrSet) *pushdown {
	pd := &pushdown{}
	if idx.Labels && pred.Label != nil && !pred.Label.Empty() {
		if reqs, selectable := pred.Label.Requirements(); selectable {
			for _, r := range reqs {
				pd.addLabel(r)
			}
		}
	}
	if pred.Field != nil && !pred.Field.Empty() {
		for _, r := range pred.Field.Requirements() {
			if idx.hasField(r.Field) {
				pd.addField(r)
			}
		}
	}
	if pd.driver == nil && len(pd.filters) == 0 {
		return nil
	}
	return pd
}

func (pd *pushdown) setIndex(name string) {
	if pd.index == "" {
		pd.index = name
	}
}

func (pd *pushdown) addLabel(r labels.Requirement) {
	key, values := r.Key(), r.ValuesUnsorted()
	switch r.Operator() {
	case selection.Equals, selection.DoubleEquals, selection.In:
		if len(values) == 0 {
			return
		}
		if len(values) == 1 && pd.driver == nil {
			pd.driver = &driverReq{name: key, value: values[0]}
			pd.setIndex("labels")
			return
		}
		if len(values) == 1 {
			pd.add(fragLabelEq, key, values[0])
		} else {
			pd.addIn(fragLabelInOpen, key, values)
		}
	case selection.NotEquals, selection.NotIn:
		if len(values) == 0 {
			return
		}
		if len(values) == 1 {
			pd.add(fragLabelNotEq, key, values[0])
		} else {
			pd.addIn(fragLabelNotInOpen, key, values)
		}
	case selection.Exists:
		pd.add(fragLabelExists, key)
	case selection.DoesNotExist:
		pd.add(fragLabelNotExists, key)
	default:
		// Gt, Lt: evaluated by Predicate.Matches only.
		return
	}
	pd.setIndex("labels")
}

func (pd *pushdown) addField(r fields.Requirement) {
	if r.Field == "metadata.name" || r.Field == "metadata.namespace" || r.Value == "" {
		return
	}
	switch r.Operator {
	case selection.Equals, selection.DoubleEquals:
		if pd.driver == nil {
			pd.driver = &driverReq{fields: true, name: r.Field, value: r.Value}
		} else {
			pd.add(fragFieldEq, r.Field, r.Value)
		}
	case selection.NotEquals:
		pd.add(fragFieldNotEq, r.Field, r.Value)
	default:
		return
	}
	pd.setIndex("fields")
}

func (pd *pushdown) add(frag string, args ...any) {
	pd.filters = append(pd.filters, frag)
	pd.args = append(pd.args, args...)
}

func (pd *pushdown) addIn(open, key string, values []string) {
	var b strings.Builder
	b.WriteString(open)
	for i := range values {
		if i > 0 {
			b.WriteString(fragComma)
		}
		b.WriteString(fragPlaceholder)
	}
	b.WriteString(fragCloseIn)
	pd.filters = append(pd.filters, b.String())
	pd.args = append(pd.args, key)
	for _, v := range values {
		pd.args = append(pd.args, v)
	}
}

// query assembles the statement for one page of the current state:
// keys in (start, hi) or [start, hi), in key order, at most limit rows.
func (pd *pushdown) query(start, hi string, inclusive bool, limit int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(pd.args)+5)
	args = pd.currentArm(&b, args, start, hi, inclusive, nil)
	if pd.driver != nil {
		b.WriteString(fragDrivenOrderLimit)
	} else {
		b.WriteString(fragOrderLimit)
	}
	return b.String(), append(args, limit)
}

// historyQuery assembles the statement for one page of the state at an
// older revision rev (see historyTouched and fragTouchedArm): the keys
// untouched since rev, filtered as query does, merged in key order with the
// keys touched since rev, filtered when their side-table rows have not
// changed since rev and returned unfiltered otherwise.
func (pd *pushdown) historyQuery(start, hi string, inclusive bool, rev, limit int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(pd.args)+12)
	b.WriteString(historyTouched)
	args = append(args, rev, rev)
	args = pd.currentArm(&b, args, start, hi, inclusive, rev)
	b.WriteString(fragTouchedArm)
	args = append(args, rev)
	if inclusive {
		b.WriteString(fragTouchedKeyFrom)
	} else {
		b.WriteString(fragTouchedKeyAfter)
	}
	args = append(args, start, hi)
	b.WriteString(fragUnchangedOpen)
	filters, filterArgs := pd.filters, pd.args
	if d := pd.driver; d != nil {
		frag := fragLabelEq
		if d.fields {
			frag = fragFieldEq
		}
		filters = append([]string{frag}, filters...)
		filterArgs = append([]any{d.name, d.value}, filterArgs...)
	}
	for i, f := range filters {
		if i > 0 {
			b.WriteString(fragAnd)
		}
		b.WriteString(f)
	}
	args = append(args, filterArgs...)
	b.WriteString(fragUnchangedClose)
	b.WriteString(fragOrderFirstLimit)
	return b.String(), append(args, limit)
}

// currentArm writes the select of the keys in range that pass the
// push-down, in key order, and, when rev is set, untouched since rev.
func (pd *pushdown) currentArm(b *strings.Builder, args []any, start, hi string, inclusive bool, rev any) []any {
	if pd.driver != nil {
		if pd.driver.fields {
			b.WriteString(fragSelectDrivenFields)
		} else {
			b.WriteString(fragSelectDrivenLabels)
		}
		args = append(args, pd.driver.name, pd.driver.value)
		if inclusive {
			b.WriteString(fragDrivenKeyFrom)
		} else {
			b.WriteString(fragDrivenKeyAfter)
		}
	} else {
		b.WriteString(fragSelectCurrent)
		if inclusive {
			b.WriteString(fragKeyFrom)
		} else {
			b.WriteString(fragKeyAfter)
		}
	}
	args = append(args, start, hi)
	if rev != nil {
		b.WriteString(fragAtRev)
		args = append(args, rev)
	}
	for _, f := range pd.filters {
		b.WriteString(fragAnd)
		b.WriteString(f)
	}
	return append(args, pd.args...)
}
