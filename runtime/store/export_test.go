package store

// AdoptOwnerlessTokens exposes adoptOwnerlessTokens to the tests.
var AdoptOwnerlessTokens = adoptOwnerlessTokens
