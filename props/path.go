package props

// pathProps is the path interface. (Being written.)
var pathProps = []prop{}
