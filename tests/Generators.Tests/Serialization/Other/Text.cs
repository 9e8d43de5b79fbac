namespace Faustish.Generators.Tests.Serialization.Other;

/// <summary>Shares its simple name with <see cref="Serialization.Text"/>, so both codecs take qualified names.</summary>
public sealed record Text(string Body, int Lines);
