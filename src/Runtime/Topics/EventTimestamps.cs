using System;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using Faustish.Serialization;

namespace Faustish.Topics;

/// <summary>
/// Event times taken from records (<c>[Topic(Timestamp = ...)]</c>): the conversion of <see cref="DateTime"/> members, and
/// the failures of records without a usable time, which follow the error policy.
/// </summary>
// Public for generated code in users' assemblies, which calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EventTimestamps
{
    /// <summary><see cref="DateTime.UnixEpoch"/> in milliseconds since 0001-01-01.</summary>
    private const long UnixEpochMilliseconds = 62_135_596_800_000;

    /// <summary>
    /// <paramref name="time"/> in Unix milliseconds, read as UTC: <see cref="DateTimeKind.Utc"/> and
    /// <see cref="DateTimeKind.Unspecified"/> as they are, <see cref="DateTimeKind.Local"/> converted to UTC first.
    /// Negative before 1970 (<c>default(DateTime)</c> included), as <see cref="DateTimeOffset.ToUnixTimeMilliseconds"/> is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FromDateTime(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).Ticks / TimeSpan.TicksPerMillisecond - UnixEpochMilliseconds;

    /// <summary>The failure of a record whose event time, <paramref name="timestampMs"/>, is before 1970-01-01.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static RecordDecodeException Unusable(TopicDefinition topic, long timestampMs)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return new RecordDecodeException(
            $"No usable event time: {Source(topic)} is {Describe(timestampMs)} for this record, before 1970-01-01T00:00:00Z (event times are Unix milliseconds from 0). " +
            "Give such records a time from 1970 on where they are produced, or make the topic's Timestamp a static method of the topic class that " +
            "returns a usable time for them (recordTimestampMs, the record's own timestamp, for one).");
    }

    /// <summary>The failure of a record whose event time could not be read: the topic's Timestamp method threw <paramref name="exception"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static RecordDecodeException Failed(TopicDefinition topic, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(exception);
        return new RecordDecodeException(
            $"No usable event time: {Source(topic)} threw {exception.GetType().Name} for this record: {exception.Message} " +
            "Make it return a time from 1970 on for such records (recordTimestampMs, the record's own timestamp, for one).",
            exception);
    }

    private static string Source(TopicDefinition topic) =>
        topic.TimestampSource is { } source ? $"{source}, the Timestamp of topic '{topic.Name}'," : $"the Timestamp of topic '{topic.Name}'";

    private static string Describe(long timestampMs) =>
        timestampMs >= -UnixEpochMilliseconds
            ? string.Create(CultureInfo.InvariantCulture, $"{timestampMs} ms ({DateTimeOffset.FromUnixTimeMilliseconds(timestampMs):yyyy-MM-dd'T'HH:mm:ss.fff'Z'})")
            : string.Create(CultureInfo.InvariantCulture, $"{timestampMs} ms");
}
