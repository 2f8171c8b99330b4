package driver

// Equal exposes the fast comparison to the tests.
var Equal = equal
