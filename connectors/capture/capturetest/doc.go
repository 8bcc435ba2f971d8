// Package capturetest holds helpers for the tests of the capture core and
// of the sources that use it. Tests only: no source imports it.
package capturetest
