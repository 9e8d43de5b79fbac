using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Faustish.Serialization.Json;

/// <summary>
/// Error reporting for generated JSON readers: throw helpers kept out of hot methods, and the JSON path of the
/// member being read when something fails.
/// </summary>
/// <remarks>
/// Generated readers wrap their member loop in <c>catch (Exception e) when (JsonReadErrors.AtMember(e, name))</c>.
/// The filter records the member and returns <see langword="false"/>, so nothing is caught or rethrown: filters run
/// innermost first while the exception is still in flight, which builds the path from the failing member outwards
/// at no cost on the success path. <see cref="JsonRecordCodec{T}.Read"/> turns the exception and its path into a
/// <see cref="RecordDecodeException"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonReadErrors
{
    [ThreadStatic]
    private static Exception? t_failure;

    [ThreadStatic]
    private static List<PathSegment>? t_segments;

    /// <summary>Records that <paramref name="exception"/> left the member <paramref name="jsonName"/>. Always <see langword="false"/>.</summary>
    public static bool AtMember(Exception exception, string jsonName)
    {
        SegmentsFor(exception).Add(new PathSegment(jsonName, -1));
        return false;
    }

    /// <summary>Records that <paramref name="exception"/> left the array element <paramref name="index"/>. Always <see langword="false"/>.</summary>
    public static bool AtIndex(Exception exception, int index)
    {
        SegmentsFor(exception).Add(new PathSegment(null, index));
        return false;
    }

    /// <summary>Throws for a token of the wrong kind, e.g. "expected a string but found a number".</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowUnexpectedToken(JsonTokenType found, string expected) =>
        throw new JsonDecodeFailureException($"expected {expected} but found {Describe(found)}");

    /// <inheritdoc cref="ThrowUnexpectedToken(JsonTokenType, string)"/>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TResult ThrowUnexpectedToken<TResult>(JsonTokenType found, string expected) =>
        throw new JsonDecodeFailureException($"expected {expected} but found {Describe(found)}");

    /// <summary>Throws because the required member <paramref name="jsonName"/> did not appear in the object.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowMissingRequired(string jsonName)
    {
        var exception = new JsonDecodeFailureException($"required member '{jsonName}' is missing");
        AtMember(exception, jsonName);
        throw exception;
    }

    /// <summary>Throws because a string does not name a member of the enum <paramref name="enumName"/>.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TResult ThrowUnknownEnumName<TResult>(ref Utf8JsonReader reader, string enumName, string expectedNames) =>
        throw new JsonDecodeFailureException(
            $"\"{Truncate(reader.GetString())}\" is not a value of {enumName} (expected {expectedNames} or a number)");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowInvalidValue(string text, string expected) =>
        throw new JsonDecodeFailureException($"expected {expected} but found {text}");

    [DoesNotReturn]
    internal static void ThrowEmpty() => throw new JsonDecodeFailureException("the record is empty, expected a JSON value");

    [DoesNotReturn]
    internal static void ThrowTrailingData() => throw new JsonDecodeFailureException("unexpected data after the JSON value");

    internal static bool IsDecodeFailure(Exception exception) =>
        exception is JsonException or JsonDecodeFailureException or FormatException or InvalidOperationException
            or OverflowException or ArgumentException;

    internal static RecordDecodeException ToDecodeException(Exception exception, ReadOnlySpan<byte> data)
    {
        var path = TakePath(exception);
        string message;
        if (exception is JsonException { BytePositionInLine: not null } json)
        {
            // Thrown by Utf8JsonReader: the bytes are not JSON.
            var offset = AbsoluteOffset(data, json.LineNumber ?? 0, json.BytePositionInLine.Value);
            var reason = StripPosition(json.Message);
            message = path == "$"
                ? $"malformed JSON at byte {offset.ToString(CultureInfo.InvariantCulture)}: {reason}"
                : $"malformed JSON at byte {offset.ToString(CultureInfo.InvariantCulture)} (in {path}): {reason}";
        }
        else
        {
            message = $"{path}: {exception.Message}";
        }

        return new RecordDecodeException(message, exception) { Path = path };
    }

    private static List<PathSegment> SegmentsFor(Exception exception)
    {
        var segments = t_segments ??= new List<PathSegment>(4);
        if (!ReferenceEquals(t_failure, exception))
        {
            // A new failure: whatever was recorded belonged to an exception handled elsewhere.
            segments.Clear();
            t_failure = exception;
        }

        return segments;
    }

    private static string TakePath(Exception exception)
    {
        var builder = new StringBuilder("$");
        if (ReferenceEquals(t_failure, exception) && t_segments is { } segments)
        {
            // Recorded innermost first.
            for (var i = segments.Count - 1; i >= 0; i--)
            {
                var segment = segments[i];
                if (segment.Name is null)
                {
                    builder.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                }
                else if (IsPlainName(segment.Name))
                {
                    builder.Append('.').Append(segment.Name);
                }
                else
                {
                    builder.Append("['").Append(segment.Name.Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
                }
            }

            segments.Clear();
        }

        t_failure = null;
        return builder.ToString();
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$'))
            {
                return false;
            }
        }

        return true;
    }

    private static long AbsoluteOffset(ReadOnlySpan<byte> data, long lineNumber, long bytePositionInLine)
    {
        long lineStart = 0;
        for (long line = 0; line < lineNumber; line++)
        {
            var next = data[(int)lineStart..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            lineStart += next + 1;
        }

        return lineStart + bytePositionInLine;
    }

    private static string StripPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = at >= 0 ? message[..at] : message;
        return text.TrimEnd();
    }

    private static string Truncate(string? text) =>
        text is null ? "" : text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.PropertyName => "a property name",
        _ => token.ToString(),
    };

    private readonly record struct PathSegment(string? Name, int Index);
}

/// <summary>A value that is well-formed JSON but does not fit the member it is read into.</summary>
internal sealed class JsonDecodeFailureException : Exception
{
    public JsonDecodeFailureException() { }

    public JsonDecodeFailureException(string message) : base(message) { }

    public JsonDecodeFailureException(string message, Exception innerException) : base(message, innerException) { }
}
