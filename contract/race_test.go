//go:build race

package contract

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
