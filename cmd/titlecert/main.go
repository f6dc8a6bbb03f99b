// Command titlecert issues and verifies electronic professional-title
// certificates. Run `titlecert demo` for a tour, `titlecert help` for the
// commands.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
