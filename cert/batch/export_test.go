package batch

// OnNewJob makes is call f as each candidate of the second pass is read.
func OnNewJob(is *Issuer, f func()) { is.newJobHook = f }
