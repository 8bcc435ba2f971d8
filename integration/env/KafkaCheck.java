// KafkaCheck: readiness check for the test broker started by integration/env/up.
// Run with the broker's jars on the class path (java -cp '<cache>/lib/*' KafkaCheck.java ...):
//
//   KafkaCheck ready  BOOTSTRAP [TIMEOUT_SECONDS]  metadata answers, then one committed transaction
//   KafkaCheck topics BOOTSTRAP                    list topics (internal ones too)
//   KafkaCheck scram  BOOTSTRAP USER PASSWORD      upsert USER's SCRAM-SHA-512 and -256 credentials
//
// "ready" fails unless the broker registered, a topic can be created and a
// transactional producer gets a producer id (InitProducerId creates
// __transaction_state on the first run) and commits a record.

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

public class KafkaCheck {
    static final String TOPIC = "sluice-env-check";

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaCheck ready|topics BOOTSTRAP [TIMEOUT_SECONDS]");
            System.exit(2);
        }
        String bootstrap = args[1];
        long timeoutMs = (args.length > 2 && args[0].equals("ready") ? Long.parseLong(args[2]) : 60) * 1000;
        switch (args[0]) {
            case "ready" -> ready(bootstrap, System.currentTimeMillis() + timeoutMs);
            case "topics" -> topics(bootstrap);
            case "scram" -> scram(bootstrap, args[2], args[3]);
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        return Admin.create(p);
    }

    static void topics(String bootstrap) throws Exception {
        try (Admin a = admin(bootstrap)) {
            a.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS)
                    .stream().sorted().forEach(System.out::println);
        }
    }

    static void scram(String bootstrap, String user, String password) throws Exception {
        try (Admin a = admin(bootstrap)) {
            // One mechanism per request: a request may alter a user only once.
            for (ScramMechanism m : List.of(ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256)) {
                a.alterUserScramCredentials(List.of(
                        new UserScramCredentialUpsertion(user, new ScramCredentialInfo(m, 4096), password)))
                        .all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    static void ready(String bootstrap, long deadline) throws Exception {
        try (Admin a = admin(bootstrap)) {
            Exception last = null;
            while (true) {
                try {
                    if (!a.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        break;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("broker at " + bootstrap + " does not answer metadata requests", last);
                }
                Thread.sleep(500);
            }
            try {
                a.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sluice-env-check");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.max(10000, deadline - System.currentTimeMillis()));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, "check", Long.toString(System.currentTimeMillis())))
                    .get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
            System.out.printf("env: kafka: transaction committed (%s-%d@%d)%n", md.topic(), md.partition(), md.offset());
            producer.close(Duration.ofSeconds(5));
        }
    }
}
