// Package schemas holds the JSON Schemas (draft-07) of Mosaic's metadata
// documents: the public contract that bundle authors validate their files
// against, and the first check the platform runs on every document it
// decodes. The schemas describe shape only (names, types, known properties);
// the platform's semantic checks (reserved names, settings that apply to a
// field type, lookup targets) come after.
package schemas

import "embed"

// FS holds the schema files, each named <kind>.schema.json and carrying an
// $id under https://mosaic.dev/schemas/. The object schema refers to the
// field schema, and the model schema to the object schema, by relative $ref.
//
//go:embed *.json
var FS embed.FS

// The schema files in FS.
const (
	// FieldFile describes one field (metadata.Field).
	FieldFile = "field.schema.json"
	// ObjectFile describes one object with its fields (metadata.Object).
	ObjectFile = "object.schema.json"
	// ModelFile describes a whole model: {"objects": [...]} (metadata.Model).
	ModelFile = "model.schema.json"
	// ApprovalProcessFile describes one approval process
	// (metadata.ApprovalProcess); the model schema refers to it.
	ApprovalProcessFile = "approval_process.schema.json"
	// BundleFile describes a bundle's manifest, bundle.yaml
	// (metadata.Manifest).
	BundleFile = "bundle.schema.json"
)
