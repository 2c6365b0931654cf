package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/memharness/memharness/loadtest"
)

// mergeCmd merges result.json files of several machines into one result
// and report. Flags may come before, between or after the files.
func mergeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory for the merged result.json and report.html")
	var ths listFlag
	fs.Var(&ths, "threshold", "pass/fail criterion on the merged result (repeatable)")
	quiet := fs.Bool("quiet", false, "no table")
	var files []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "loadtest merge: no result files")
		return exitUsage
	}
	thresholds, err := loadtest.ParseThresholds(ths)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest merge:", err)
		return exitUsage
	}
	var results []loadtest.Result
	for _, f := range files {
		r, err := loadtest.ReadResultFile(f)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest merge:", err)
			return exitRun
		}
		results = append(results, r)
	}
	merged, err := loadtest.Merge(results...)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest merge:", err)
		return exitRun
	}
	verdicts := loadtest.Evaluate(merged, thresholds)
	if !*quiet {
		_ = merged.WriteTable(stdout)
	}
	for _, v := range verdicts {
		fmt.Fprintln(stdout, v.Message)
	}
	if *out != "" {
		if err := writeOutputs(*out, &merged, verdicts); err != nil {
			fmt.Fprintln(stderr, "loadtest merge:", err)
			return exitRun
		}
	}
	if !loadtest.Passed(verdicts) {
		return exitThreshold
	}
	return exitOK
}
