package compiled_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// TestSharingRules checks which roles a rule applies to (with and without
// subordinates, by mode) and that its criteria are numbered after any
// offset, the same SQL each time.
func TestSharingRules(t *testing.T) {
	m := permissionModel()
	m.Objects[0].SharingRules = []*metadata.SharingRule{
		{Name: "hot", Criteria: `rating == "hot"`, Access: metadata.ShareRead, Roles: []string{"reader"}},
		{Name: "big", Criteria: `revenue > 100`, Access: metadata.ShareEdit, Roles: []string{"reader"}, IncludeSubordinates: true},
	}
	rev, err := compiled.Compile(dialect.Postgres{}, "t1", "s1", 1, m)
	require.NoError(t, err)
	o, _ := rev.Object("account")
	names := func(rs []*compiled.SharingRule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Meta.Name)
		}
		return out
	}
	assert.Equal(t, []string{"hot", "big"}, names(o.SharingRulesFor("reader", false)))
	assert.Equal(t, []string{"big"}, names(o.SharingRulesFor("reader", true)))
	assert.Equal(t, []string{"big"}, names(o.SharingRulesFor("rep", false)), "include_subordinates")
	assert.Empty(t, o.SharingRulesFor("nobody", false))

	hot := o.SharingRulesFor("reader", false)[0]
	for _, offset := range []int{0, 3, 3} {
		sql, args := hot.Criteria(offset)
		want := map[int]string{0: "$1", 3: "$4"}[offset]
		assert.Contains(t, sql, want)
		assert.Equal(t, []any{"hot"}, args)
	}

	m.Objects[0].SharingRules[0].Criteria = `rating == $user.id`
	_, err = compiled.Compile(dialect.Postgres{}, "t1", "s1", 2, m)
	var ps metadata.Problems
	require.True(t, errors.As(err, &ps), "%v", err)
	assert.Equal(t, "objects.account.sharing_rules.0.criteria", ps[0].Path)
	assert.Equal(t, "$user cannot be used in sharing rule criteria: a rule shares the same records with every user it applies to; records of the user are already theirs through ownership (1:11)\n | rating == $user.id\n | ..........^", ps[0].Message)
}
