using System;
using System.ComponentModel;
using Faustish.Serialization;

namespace Faustish.Agents;

/// <summary>
/// What a stream agent that yields replies (<c>async IAsyncEnumerable&lt;TReply&gt; ProcessAsync(Stream&lt;…&gt;)</c>)
/// answers with: the reply type and its codec. The generator sets it on the agent's definition.
/// </summary>
// Public for generated code in users' assemblies; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ReplyDefinition
{
    private protected ReplyDefinition()
    {
    }

    public abstract Type ReplyType { get; }

    /// <summary>Declares replies of type <typeparamref name="TReply"/>, written with <paramref name="codec"/>.</summary>
    public static ReplyDefinition<TReply> Of<TReply>(IRecordCodec<TReply> codec) => new(codec);
}

/// <inheritdoc cref="ReplyDefinition"/>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ReplyDefinition<TReply> : ReplyDefinition
{
    internal ReplyDefinition(IRecordCodec<TReply> codec) => Codec = codec ?? throw new ArgumentNullException(nameof(codec));

    public IRecordCodec<TReply> Codec { get; }

    public override Type ReplyType => typeof(TReply);
}

/// <summary>The headers an ask carries, so the agent's reply finds the asker.</summary>
internal static class ReplyHeaders
{
    /// <summary>The topic the asker reads replies from.</summary>
    public const string ReplyTo = "faustish-reply-to";

    /// <summary>The ask's id: the reply's key.</summary>
    public const string CorrelationId = "faustish-correlation-id";
}
