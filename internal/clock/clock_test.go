package clock

import (
	"testing"
	"time"
)

func TestFakeAfterFiresOnAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewFake(start)
	ch := c.After(90 * time.Second)
	c.Advance(89 * time.Second)
	select {
	case <-ch:
		t.Fatal("After fired before its time")
	default:
	}
	c.Advance(time.Second)
	select {
	case got := <-ch:
		if want := start.Add(90 * time.Second); !got.Equal(want) {
			t.Errorf("After delivered %v, want %v", got, want)
		}
	default:
		t.Fatal("After did not fire when due")
	}
}

func TestSystemNowIsUTCMicroseconds(t *testing.T) {
	t.Parallel()
	now := System{}.Now()
	if now.Location() != time.UTC || now.Nanosecond()%1000 != 0 {
		t.Errorf("System.Now() = %v, want UTC truncated to microseconds", now)
	}
}
