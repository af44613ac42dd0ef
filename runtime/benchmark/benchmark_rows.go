package benchmark

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Opportunity is one record of the fixture as hand-written code holds it:
// the system columns and the 15 fields, every one set.
type Opportunity struct {
	ID           string
	CreatedAt    time.Time
	CreatedBy    string
	UpdatedAt    time.Time
	UpdatedBy    string
	OwnerID      string
	Version      int64
	Name         string
	Description  string
	Amount       decimal.Decimal
	Quantity     decimal.Decimal
	Probability  decimal.Decimal
	CloseDate    time.Time
	LastActivity time.Time
	Won          bool
	Stage        string
	Tags         []string
	ContactEmail string
	ContactPhone string
	Website      string
	Ref          string
	Account      string
}

// Account is one account of the fixture.
type Account struct {
	ID   string
	Name string
}

// Gen generates the fixture's records deterministically from their index:
// record i belongs to account i mod len(Accounts), and its id can be
// computed from i, so that a seeded set needs no list of ids.
type Gen struct {
	// Accounts are the lookup targets.
	Accounts []Account
	// Actor is the id written to created_by, updated_by and owner_id.
	Actor string
	// Base is the creation time of record 0; record i is i milliseconds
	// later.
	Base time.Time
	// run makes ids and refs unique to this generator.
	run uint32
}

// stages are the picklist values, in the order records cycle through them.
var stages = []string{"prospect", "qualified", "proposal", "won", "lost"}

var tagValues = []string{"new", "renewal", "upsell", "partner"}

// NewGen returns a generator with the given number of accounts, written by
// actor. Its ids and refs differ from every other generator's.
func NewGen(accounts int, actor string) *Gen {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	g := &Gen{Actor: actor, Base: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Millisecond), run: binary.BigEndian.Uint32(b[:])}
	g.Accounts = make([]Account, accounts)
	for i := range g.Accounts {
		g.Accounts[i] = Account{ID: g.id(0xacc, uint64(i)), Name: "Account " + strconv.Itoa(i)}
	}
	return g
}

// id builds a UUIDv7 from a kind and an index: the time part grows with
// the index like real inserts do, the random part holds the generator's
// run, the kind and the index.
func (g *Gen) id(kind uint16, i uint64) string {
	var u uuid.UUID
	ms := uint64(g.Base.UnixMilli()) + i
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | byte(kind>>8)&0x0f
	u[7] = byte(kind)
	u[8] = 0x80 | byte(g.run>>24)&0x3f
	u[9], u[10], u[11] = byte(g.run>>16), byte(g.run>>8), byte(g.run)
	binary.BigEndian.PutUint32(u[12:], uint32(i))
	return u.String()
}

// ID returns the id of record i.
func (g *Gen) ID(i int) string { return g.id(0x0b0, uint64(i)) }

// Ref returns the external id of record i.
func (g *Gen) Ref(i int) string {
	return "OPP-" + strconv.FormatUint(uint64(g.run), 36) + "-" + strconv.Itoa(i)
}

// AccountOf returns the account of record i.
func (g *Gen) AccountOf(i int) string { return g.Accounts[i%len(g.Accounts)].ID }

// Opportunity fills o with record i, id and system columns included.
func (g *Gen) Opportunity(i int, o *Opportunity) {
	at := g.Base.Add(time.Duration(i) * time.Millisecond)
	o.ID = g.ID(i)
	o.CreatedAt, o.UpdatedAt = at, at
	o.CreatedBy, o.UpdatedBy, o.OwnerID = g.Actor, g.Actor, g.Actor
	o.Version = 1
	g.Fields(i, o)
}

// Fields fills the 15 fields of o with those of record i (ref and account
// included), leaving the system columns alone.
func (g *Gen) Fields(i int, o *Opportunity) {
	n := len(g.Accounts)
	o.Name = "Opportunity " + strconv.Itoa(i)
	o.Description = "Renewal of the yearly support contract with the customer's operations team; " +
		"includes onsite training, priority incident handling and quarterly reviews. Record " + strconv.Itoa(i) + "."
	o.Amount = decimal.New(int64(i)*7919%10_000_000, -2)
	o.Quantity = decimal.NewFromInt(int64(i%500) + 1)
	o.Probability = decimal.New(int64(i)*37%10_001, -2)
	o.CloseDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365)
	o.LastActivity = g.Base.Add(time.Duration(i) * time.Second)
	o.Won = i%5 == 3
	o.Stage = stages[(i/n)%len(stages)]
	o.Tags = o.Tags[:0]
	o.Tags = append(o.Tags, tagValues[i%len(tagValues)])
	if i%3 == 0 {
		o.Tags = append(o.Tags, tagValues[(i+1)%len(tagValues)])
	}
	o.ContactEmail = "contact" + strconv.Itoa(i) + "@example.com"
	o.ContactPhone = "+1 555 01" + strconv.Itoa(10+i%90)
	o.Website = "https://example.com/a/" + strconv.Itoa(i%1000)
	o.Ref = g.Ref(i)
	o.Account = g.AccountOf(i)
}

// AppendJSON appends the fields of o as the JSON body of a create request.
// Every value the generator makes is plain ASCII that needs no escaping
// beyond what strconv.AppendQuote does.
func (o *Opportunity) AppendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = strconv.AppendQuote(b, o.Name)
	b = append(b, `,"description":`...)
	b = strconv.AppendQuote(b, o.Description)
	b = append(b, `,"amount":`...)
	b = append(b, o.Amount.StringFixed(2)...)
	b = append(b, `,"quantity":`...)
	b = append(b, o.Quantity.String()...)
	b = append(b, `,"probability":`...)
	b = append(b, o.Probability.StringFixed(2)...)
	b = append(b, `,"close_date":"`...)
	b = o.CloseDate.AppendFormat(b, "2006-01-02")
	b = append(b, `","last_activity":"`...)
	b = o.LastActivity.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","won":`...)
	b = strconv.AppendBool(b, o.Won)
	b = append(b, `,"stage":`...)
	b = strconv.AppendQuote(b, o.Stage)
	b = append(b, `,"tags":[`...)
	for j, t := range o.Tags {
		if j > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, t)
	}
	b = append(b, `],"contact_email":`...)
	b = strconv.AppendQuote(b, o.ContactEmail)
	b = append(b, `,"contact_phone":`...)
	b = strconv.AppendQuote(b, o.ContactPhone)
	b = append(b, `,"website":`...)
	b = strconv.AppendQuote(b, o.Website)
	b = append(b, `,"ref":`...)
	b = strconv.AppendQuote(b, o.Ref)
	b = append(b, `,"account":`...)
	b = strconv.AppendQuote(b, o.Account)
	return append(b, '}')
}

// NewRecord sets the system columns of a record about to be created now by
// actor: a new UUIDv7, the times and version 1, as the platform does.
func NewRecord(o *Opportunity, actor string, now time.Time) {
	o.ID = uuid.Must(uuid.NewV7()).String()
	now = now.UTC().Truncate(time.Microsecond)
	o.CreatedAt, o.UpdatedAt = now, now
	o.CreatedBy, o.UpdatedBy, o.OwnerID = actor, actor, actor
	o.Version = 1
}

// Input returns the fields of o as the API's JSON decoder hands them to the
// record service: numbers as json.Number, lists as []any.
func (o *Opportunity) Input() map[string]any {
	tags := make([]any, len(o.Tags))
	for i, t := range o.Tags {
		tags[i] = t
	}
	return map[string]any{
		"name":          o.Name,
		"description":   o.Description,
		"amount":        json.Number(o.Amount.StringFixed(2)),
		"quantity":      json.Number(o.Quantity.String()),
		"probability":   json.Number(o.Probability.StringFixed(2)),
		"close_date":    o.CloseDate.Format("2006-01-02"),
		"last_activity": o.LastActivity.Format(time.RFC3339Nano),
		"won":           o.Won,
		"stage":         o.Stage,
		"tags":          tags,
		"contact_email": o.ContactEmail,
		"contact_phone": o.ContactPhone,
		"website":       o.Website,
		"ref":           o.Ref,
		"account":       o.Account,
	}
}
