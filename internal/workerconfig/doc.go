// Package workerconfig reads a Kafka Connect worker properties file
// (connect-distributed.properties, connect-standalone.properties) and turns
// its Kafka client keys (bootstrap.servers, security.protocol, sasl.*,
// ssl.*, client.id, and their producer., consumer. and admin. overrides)
// into franz-go options for sluice's three Kafka clients: the connectors'
// transactional producers, the offsets store's consumer and the admin client.
//
// Every key of the file is either honoured, handled by the REST options
// (RESTKeys), or named at start with the reason sluice cannot honour it
// (Config.Notices): none is ignored silently. Config providers
// (${file:...}, ${env:...}) are resolved by the Resolver given to Load,
// before any key is read.
package workerconfig
