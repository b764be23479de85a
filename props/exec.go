package props

// execProps is the exec interface. (Being written.)
var execProps = []prop{}
