package props

// socketProps is the socket interface. (Being written.)
var socketProps = []prop{}
