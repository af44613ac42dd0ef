package schemas

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newerKeywords are keywords of drafts after 07. gojsonschema ignores them
// silently, so a schema using one would check less than it says.
var newerKeywords = map[string]bool{
	"$defs": true, "$anchor": true, "$dynamicRef": true, "$dynamicAnchor": true,
	"$recursiveRef": true, "$recursiveAnchor": true, "$vocabulary": true,
	"unevaluatedProperties": true, "unevaluatedItems": true, "prefixItems": true,
	"dependentRequired": true, "dependentSchemas": true, "minContains": true, "maxContains": true,
}

// schemaMaps are keywords whose value maps names to subschemas.
var schemaMaps = map[string]bool{"properties": true, "patternProperties": true, "definitions": true}

func TestSchemaFiles(t *testing.T) {
	names, err := fs.Glob(FS, "*.json")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{FieldFile, ObjectFile, ModelFile, ApprovalProcessFile, BundleFile}, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(FS, name)
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, json.Unmarshal(b, &doc))
			assert.Equal(t, "http://json-schema.org/draft-07/schema#", doc["$schema"])
			assert.Equal(t, "https://mosaic.dev/schemas/"+name, doc["$id"])
			checkKeywords(t, name, doc)
		})
	}
}

// checkKeywords walks a schema and refuses keywords newer than draft-07.
func checkKeywords(t *testing.T, path string, schema map[string]any) {
	for k, v := range schema {
		assert.False(t, newerKeywords[k], "%s uses %s, which draft-07 does not know", path, k)
		switch c := v.(type) {
		case map[string]any:
			if schemaMaps[k] {
				for name, sub := range c {
					if s, ok := sub.(map[string]any); ok {
						checkKeywords(t, path+"/"+k+"/"+name, s)
					}
				}
			} else {
				checkKeywords(t, path+"/"+k, c)
			}
		case []any:
			for _, e := range c {
				if s, ok := e.(map[string]any); ok {
					checkKeywords(t, path+"/"+k, s)
				}
			}
		}
	}
}
