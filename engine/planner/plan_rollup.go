package planner

import (
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// rollupChange plans a roll-up field present in both revisions. The runtime
// computes a roll-up again for every record when its definition changes, so
// its values are never checked: a new kind of values (a sum becoming the
// latest date) or a new scale (the summed field's) makes a new column. A
// field of another type cannot become a roll-up (its values would be
// lost).
func (b *builder) rollupChange(newObj *compiled.Object, ch *fieldChange, path string) *fieldChange {
	of, nf := ch.old.Field, ch.new.Field
	name := newObj.Meta.Name + "." + ch.new.Name
	switch {
	case of.Type != "rollup":
		b.problem(path+".type", metadata.ProblemUnsupported, "field %q cannot become a rollup; add a new rollup field instead", ch.new.Name)
	case ch.old.Type != ch.new.Type:
		ch.recreate = true
		b.change("change rollup %s to %s values of scale %d, computing it again for every record", name, ch.new.Type.Kind, ch.new.Type.Scale)
	case of.Settings.Function != nf.Settings.Function || of.Settings.Filter != nf.Settings.Filter ||
		b.oldIDs[of.Settings.Child] != b.newIDs[nf.Settings.Child] ||
		(of.Settings.Child == nf.Settings.Child && (of.Settings.Lookup != nf.Settings.Lookup || of.Settings.Field != nf.Settings.Field)):
		// Names that only follow a rename of the child or its fields
		// change nothing; the runtime compares definitions by stable ids.
		b.change("compute rollup %s again for every record", name)
	}
	return ch
}
