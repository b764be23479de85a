package props

// timerProps is the timer interface. (Being written.)
var timerProps = []prop{}
