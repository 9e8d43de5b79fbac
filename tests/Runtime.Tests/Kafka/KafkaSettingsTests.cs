using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Faustish.Hosting;
using Faustish.Transport.Kafka;

namespace Faustish.Tests.Kafka;

/// <summary>librdkafka settings passed through configuration: defaults, overrides, and start-up errors naming the key.</summary>
public sealed class KafkaSettingsTests
{
    private const string Servers = "127.0.0.1:1";

    [Fact]
    public void Defaults_suit_stream_processing_and_users_override_them()
    {
        var options = Options(common: new() { ["client.id"] = "mine" }, producer: new() { ["linger.ms"] = "20" }, consumer: new() { ["session_timeout_ms"] = "10000" });

        var producer = KafkaSettings.Build(options, KafkaClientKind.Producer);
        Assert.Equal("true", producer["enable.idempotence"]);
        Assert.Equal("all", producer["acks"]);
        Assert.Equal("lz4", producer["compression.type"]);
        Assert.Equal("20", producer["linger.ms"]);
        Assert.Equal("mine", producer["client.id"]);
        Assert.Equal(Servers, producer["bootstrap.servers"]);
        Assert.False(producer.ContainsKey("session.timeout.ms"));

        var consumer = KafkaSettings.Build(options, KafkaClientKind.Consumer);
        Assert.Equal("false", consumer["enable.auto.commit"]);
        Assert.Equal("false", consumer["enable.auto.offset.store"]);
        Assert.Equal("10", consumer["fetch.queue.backoff.ms"]);
        Assert.Equal("cooperative-sticky", consumer["partition.assignment.strategy"]);
        Assert.Equal("earliest", consumer["auto.offset.reset"]);
        Assert.Equal("10000", consumer["session.timeout.ms"]); // written with underscores, as in an environment variable
        Assert.Equal("false", consumer["allow.auto.create.topics"]);
        Assert.False(consumer.ContainsKey("linger.ms"));

        KafkaSettings.Validate(options);
    }

    [Fact]
    public void An_unknown_setting_stops_start_up_naming_its_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(producer: new() { ["no.such.setting"] = "1" })));

        Assert.Contains("Faustish:Kafka:Producer:no.such.setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("No such configuration property", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_stops_start_up_naming_its_key_among_good_ones()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(
            common: new() { ["client.id"] = "ok", ["security.protocol"] = "carrier-pigeon" },
            consumer: new() { ["fetch.min.bytes"] = "1" })));

        Assert.Contains("Faustish:Kafka:Common:security.protocol", error.Message, StringComparison.Ordinal);
        Assert.Contains("carrier-pigeon", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("client.id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_that_conflicts_with_a_default_is_named()
    {
        // A valid value on its own, but an idempotent producer (the default) needs acks=all.
        var error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(producer: new() { ["acks"] = "1" })));

        Assert.Contains("Faustish:Kafka:Producer:acks = '1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("idempotence", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Settings_that_fail_only_together_are_reported_with_their_sections()
    {
        // Each is fine with the defaults; together they ask for transactions without idempotence.
        var error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(
            common: new() { ["enable.idempotence"] = "false" }, producer: new() { ["enable.gapless.guarantee"] = "true" })));

        Assert.Contains("Faustish:Kafka:Common:* and Faustish:Kafka:Producer:*", error.Message, StringComparison.Ordinal);
        Assert.Contains("gapless", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Settings_the_transport_owns_cannot_be_set()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(consumer: new() { ["enable.auto.commit"] = "true" })));
        Assert.Contains("Faustish:Kafka:Consumer:enable.auto.commit", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(common: new() { ["bootstrap.servers"] = "elsewhere:9092" })));
        Assert.Contains("--broker", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<InvalidOperationException>(() => KafkaSettings.Validate(Options(common: new() { ["client.id"] = null })));
        Assert.Contains("Faustish:Kafka:Common:client.id has no value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Librdkafka_names_with_underscores_are_kept()
    {
        Assert.Equal("log_level", KafkaSettings.LibrdkafkaName("log_level"));
        Assert.Equal("security.protocol", KafkaSettings.LibrdkafkaName("security_protocol"));
        Assert.Equal("security.protocol", KafkaSettings.LibrdkafkaName("Security.Protocol"));
    }

    [Theory]
    [InlineData("kafka://localhost:9092", BrokerKind.Kafka, "localhost:9092")]
    [InlineData("kafka://a:9092, b:9093", BrokerKind.Kafka, "a:9092,b:9093")]
    [InlineData("KAFKA://[::1]:9092", BrokerKind.Kafka, "[::1]:9092")]
    [InlineData("kafka://broker", BrokerKind.Kafka, "broker")]
    [InlineData("embedded:///var/lib/app", BrokerKind.Embedded, "/var/lib/app")]
    [InlineData("", BrokerKind.Embedded, null)]
    [InlineData(null, BrokerKind.Embedded, null)]
    public void Broker_settings_parse(string? text, BrokerKind kind, string? target)
    {
        var address = BrokerAddress.Parse(text);
        Assert.Equal(kind, address.Kind);
        Assert.Equal(target, address.Target);
    }

    [Theory]
    [InlineData("localhost:9092", "names no transport")]
    [InlineData("kafka://", "lists no Kafka broker")]
    [InlineData("kafka://a:9092,,b:9092", "empty broker")]
    [InlineData("kafka://a:port", "'port' in 'a:port' is not a port number")]
    [InlineData("kafka://a:70000", "is not a port number")]
    [InlineData("kafka://:9092", "has no host")]
    [InlineData("rabbit://x", "'rabbit' is not a transport")]
    public void Bad_broker_settings_say_what_to_write(string text, string why)
    {
        var error = Assert.Throws<InvalidOperationException>(() => BrokerAddress.Parse(text));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("kafka://host:9092", error.Message, StringComparison.Ordinal);
        Assert.Contains("embedded://path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_broker_setting_chooses_the_transport_and_embedded_paths_set_the_data_directory()
    {
        var kafka = new FaustishOptions { Broker = "kafka://k1:9092" }.Validate("app");
        Assert.Equal(BrokerKind.Kafka, kafka.BrokerAddress.Kind);

        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "faustish-broker-test");
        var embedded = new FaustishOptions { Broker = "embedded://" + directory }.Validate("app");
        Assert.Equal(directory, embedded.DataDirectory);

        var twice = Assert.Throws<InvalidOperationException>(() => new FaustishOptions { Broker = "embedded://" + directory, DataDirectory = "/elsewhere" }.Validate("app"));
        Assert.Contains("given twice", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_the_kafka_transport_through_hosting_validates_settings()
    {
        var options = new FaustishOptions { Broker = "kafka://127.0.0.1:1" };
        options.Kafka.Consumer["max.poll.interval.ms"] = "not a number";
        options.Validate("app");

        var error = Assert.Throws<InvalidOperationException>(() => Transports.Open(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        Assert.Contains("Faustish:Kafka:Consumer:max.poll.interval.ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_keys_reach_librdkafka_and_the_broker_setting_opens_kafka()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "faustish-settings-" + Guid.NewGuid().ToString("N"));
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Faustish:AppId"] = "bank",
            ["Faustish:DataDirectory"] = directory,
            ["Faustish:Broker"] = "kafka://127.0.0.1:1",
            ["Faustish:Kafka:Common:security.protocol"] = "plaintext",
            ["Faustish:Kafka:Consumer:session_timeout_ms"] = "12000", // as environment variable Faustish__Kafka__Consumer__session_timeout_ms gives it
            ["Faustish:Kafka:ReplicationFactor"] = "3",
            ["Faustish:Kafka:RequestTimeout"] = "00:00:05",
            ["Faustish:Kafka:FetchPath"] = "InPlace",
        }).Build();

        await using var runtime = FaustishApp.CreateRuntime(configuration, new Agents.AppModel([], [], []), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var kafka = Assert.IsType<KafkaTransport>(runtime.Transport);
        Assert.Equal("kafka://127.0.0.1:1", kafka.Description);
        Assert.Equal(3, kafka.Options.ReplicationFactor);
        Assert.Equal(TimeSpan.FromSeconds(5), kafka.Options.RequestTimeout);
        Assert.Equal(global::Faustish.Hosting.KafkaFetchPath.InPlace, kafka.Options.FetchPath);
        Assert.Equal("plaintext", KafkaSettings.Build(kafka.Options, KafkaClientKind.Producer)["security.protocol"]);
        Assert.Equal("12000", KafkaSettings.Build(kafka.Options, KafkaClientKind.Consumer)["session.timeout.ms"]);
        Assert.False(System.IO.Directory.Exists(System.IO.Path.Combine(directory, "topics"))); // no embedded log was opened
    }

    [Fact]
    public void A_fetch_path_that_is_neither_Client_nor_InPlace_stops_start_up_naming_the_setting()
    {
        var options = new global::Faustish.Hosting.FaustishOptions { AppId = "bank", Kafka = new global::Faustish.Hosting.KafkaOptions { FetchPath = (global::Faustish.Hosting.KafkaFetchPath)7 } };
        var error = Assert.ThrowsAny<Exception>(() => options.Validate("bank"));
        Assert.Contains("Faustish:Kafka:FetchPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("Client or InPlace", error.Message, StringComparison.Ordinal);
    }

    private static KafkaTransportOptions Options(Dictionary<string, string?>? common = null, Dictionary<string, string?>? producer = null,
        Dictionary<string, string?>? consumer = null) => new()
    {
        BootstrapServers = Servers,
        Common = common ?? [],
        Producer = producer ?? [],
        Consumer = consumer ?? [],
    };
}
