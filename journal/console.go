package journal

import (
	"io"
	"strconv"
	"sync"
)

// consoleBudget is how many bytes of lines may wait for the console;
// beyond it lines are dropped.
const consoleBudget = 256 * 1024

// console writes lines to a writer from its own goroutine, whole lines
// only, so that a slow console delays only itself.
type console struct {
	w      io.Writer
	budget int

	mu      sync.Mutex
	cond    *sync.Cond
	queue   [][]byte
	queued  int    // bytes in queue
	dropped uint64 // lines dropped since the last report
	total   uint64 // lines dropped in all
	closing bool
	done    chan struct{}
}

func newConsole(w io.Writer, budget int) *console {
	c := &console{w: w, budget: budget, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	go c.run()
	return c
}

// format is the console form of e: "ident[pid]: message", or
// "ident: message" when the PID is not known.
func format(e Entry) []byte {
	b := make([]byte, 0, len(e.Ident)+len(e.Message)+16)
	b = append(b, e.Ident...)
	if e.PID > 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(e.PID), 10)
		b = append(b, ']')
	}
	b = append(b, ": "...)
	b = append(b, e.Message...)
	return append(b, '\n')
}

// write queues e, or counts it as dropped when the queue is full.
func (c *console) write(e Entry) {
	line := format(e)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if c.queued+len(line) > c.budget && c.queued > 0 {
		c.dropped++
		c.total++
		return
	}
	c.queue = append(c.queue, line)
	c.queued += len(line)
	c.cond.Signal()
}

func (c *console) droppedTotal() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// run writes the queue: whole lines, as many as fit in pipeBuf bytes a
// write (a longer line alone), so that a burst of lines (1000 units
// starting or stopping) costs a few system calls and wake-ups, not one
// each, while a write to a pipe the services write to as well stays
// atomic, never mixing their output into a line. The lines being written
// count against the budget until written. After lines were dropped, it
// says how many before the next lines it writes.
func (c *console) run() {
	defer close(c.done)
	buf := make([]byte, 0, pipeBuf)
	c.mu.Lock()
	for {
		for len(c.queue) == 0 && c.dropped == 0 && !c.closing {
			c.cond.Wait()
		}
		if len(c.queue) == 0 && c.dropped == 0 && c.closing {
			c.mu.Unlock()
			return
		}
		buf = buf[:0]
		if c.dropped > 0 {
			buf = append(buf, "gosd: "...)
			buf = strconv.AppendUint(buf, c.dropped, 10)
			buf = append(buf, " lines dropped, the console is too slow\n"...)
			c.dropped = 0
		}
		var long []byte // a line above pipeBuf, written on its own
		taken, n := 0, 0
		for _, line := range c.queue {
			if len(line) > pipeBuf {
				if n == 0 {
					long, n, taken = line, 1, len(line)
				}
				break
			}
			if len(buf)+len(line) > pipeBuf {
				break
			}
			buf = append(buf, line...)
			n++
			taken += len(line)
		}
		clear(c.queue[:n])
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil // let the backing array go
		}
		c.mu.Unlock()
		if len(buf) > 0 {
			c.w.Write(buf)
		}
		if long != nil {
			c.w.Write(long)
		}
		c.mu.Lock()
		c.queued -= taken
	}
}

// pipeBuf is PIPE_BUF on Linux: a write of at most this many bytes to a
// pipe is not interleaved with other writers' data.
const pipeBuf = 4096

// close writes what is queued and stops.
func (c *console) close() {
	c.mu.Lock()
	c.closing = true
	c.cond.Signal()
	c.mu.Unlock()
	<-c.done
}
