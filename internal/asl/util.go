package asl

import "strconv"

func parseNumber(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
