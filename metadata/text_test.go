package metadata

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTextUnmarshalJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want Text
	}{
		{"plain string is the default language", `"Invoice"`, Text{"en": "Invoice"}},
		{"empty string is no text", `""`, nil},
		{"language map", `{"en": "Invoice", "zh-CN": "发票"}`, Text{"en": "Invoice", "zh-CN": "发票"}},
		{"empty map", `{}`, Text{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got Text
			require.NoError(t, json.Unmarshal([]byte(c.in), &got))
			assert.Equal(t, c.want, got)
		})
	}
	for _, bad := range []string{`5`, `true`, `["en"]`, `{"en": 5}`} {
		var got Text
		assert.Error(t, json.Unmarshal([]byte(bad), &got), bad)
	}
}

func TestTextInStruct(t *testing.T) {
	var o Object
	require.NoError(t, json.Unmarshal([]byte(`{"name": "invoice", "label": "Invoice", "plural_label": {"en": "Invoices", "de": "Rechnungen"}}`), &o))
	assert.Equal(t, T("Invoice"), o.Label)
	assert.Equal(t, "Rechnungen", o.PluralLabel.In([]string{"de"}))
	b, err := json.Marshal(o.Label)
	require.NoError(t, err)
	assert.JSONEq(t, `{"en": "Invoice"}`, string(b))
}

func TestTextIn(t *testing.T) {
	label := Text{"en": "Invoice", "zh-CN": "发票", "de": "Rechnung"}
	for _, c := range []struct {
		name   string
		header string
		want   string
	}{
		{"browser header picks zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "发票"},
		{"script tag falls back to base language", "zh-Hans", "发票"},
		{"bare base language", "zh", "发票"},
		{"region falls back to base language", "de-AT", "Rechnung"},
		{"case-insensitive", "ZH-cn", "发票"},
		{"order of preference", "fr, de;q=0.5, en;q=0.9", "Invoice"},
		{"unknown language falls back to en", "fr-FR, ja;q=0.5", "Invoice"},
		{"no header", "", "Invoice"},
		{"wildcard only", "*", "Invoice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, label.In(ParseAcceptLanguage(c.header)))
		})
	}
}

func TestTextDefault(t *testing.T) {
	assert.Equal(t, "Invoice", Text{"en": "Invoice", "de": "Rechnung"}.Default())
	assert.Equal(t, "Rechnung", Text{"fr": "Facture", "de": "Rechnung"}.Default(), "without en, the first tag in order")
	assert.Equal(t, "", Text(nil).Default())
	assert.Equal(t, "Facture", Text{"fr": "Facture"}.In([]string{"ja"}))
	assert.Nil(t, T(""))
	assert.Equal(t, Text{"en": "x"}, T("x"))
}

func TestParseAcceptLanguage(t *testing.T) {
	for _, c := range []struct {
		header string
		want   []string
	}{
		{"zh-CN,zh;q=0.9,en;q=0.8", []string{"zh-CN", "zh", "en"}},
		{"en;q=0.1, de, fr;q=0.5", []string{"de", "fr", "en"}},
		{"de;q=0.5, fr;q=0.5", []string{"de", "fr"}},
		{" en-US , en ; q=0.7 ", []string{"en-US", "en"}},
		{"en, de;q=0", []string{"en"}},
		{"*, en;q=0.5", []string{"en"}},
		{"en;level=1", []string{"en"}},
		{",,;q=0.5,", []string{}},
		{"", []string{}},
	} {
		t.Run(c.header, func(t *testing.T) {
			assert.Equal(t, c.want, ParseAcceptLanguage(c.header))
		})
	}
}
