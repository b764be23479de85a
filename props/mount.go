package props

// mountProps, automountProps and swapProps are those interfaces. (Being written.)
var mountProps, automountProps, swapProps = []prop{}, []prop{}, []prop{}
