package records

// RecomputeRecord exposes recomputeRecord to the package's external tests.
var RecomputeRecord = recomputeRecord
