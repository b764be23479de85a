package props

// killProps is the kill interface. (Being written.)
var killProps = []prop{}
