package props

// cgroupProps is the cgroup interface. (Being written.)
var cgroupProps = []prop{}
