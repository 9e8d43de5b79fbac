using Faustish.Generators.Model;
using Faustish.Generators.Rules;

namespace Faustish.Generators.Emitting;

/// <summary>
/// The code that reads an event's time as <c>[Topic(Timestamp = ...)]</c> declares it: the member of the value, converted
/// to Unix milliseconds, or a call of the topic's static method. Written inline, so reading it costs what the member
/// read costs: no delegate, no allocation.
/// </summary>
internal static class EventTimeCode
{
    /// <summary>
    /// An expression giving the event time in Unix milliseconds.
    /// </summary>
    /// <param name="timestamp">What the topic reads.</param>
    /// <param name="key">The key's expression.</param>
    /// <param name="value">The value's expression.</param>
    /// <param name="recordTimestampMs">The record's own timestamp's expression.</param>
    /// <param name="keyMayBeNull">The key's expression is typed as nullable.</param>
    /// <param name="valueMayBeNull">
    /// The value's expression may be null (a record without value): it then keeps the record's own timestamp, unless the
    /// method takes null values.
    /// </param>
    public static string Read(EventTimestampModel timestamp, string key, string value, string recordTimestampMs, bool keyMayBeNull, bool valueMayBeNull)
    {
        var member = $"{value}{(timestamp.ValueIsNullableStruct ? ".Value" : "")}.{timestamp.Name}";
        var call = $"{timestamp.TopicFullyQualifiedName}.{timestamp.Name}({key}{(keyMayBeNull && !timestamp.MethodTakesNullKey ? "!" : "")}, {value}, {recordTimestampMs})";
        var read = timestamp.Kind switch
        {
            TimestampKind.DateTimeOffsetMember => member + ".ToUnixTimeMilliseconds()",
            TimestampKind.DateTimeMember => $"global::Faustish.Topics.EventTimestamps.FromDateTime({member})",
            TimestampKind.UnixMillisecondsMember => member,
            TimestampKind.DateTimeOffsetMethod => call + ".ToUnixTimeMilliseconds()",
            _ => call,
        };

        return valueMayBeNull && !(timestamp.IsMethod && timestamp.MethodTakesNullValue)
            ? $"{value} is null ? {recordTimestampMs} : {read}"
            : read;
    }
}
