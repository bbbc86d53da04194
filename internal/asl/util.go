package asl

import (
	"slices"
	"strconv"
)

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func itoa(i int) string { return strconv.Itoa(i) }

func parseNumber(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
