using System.Diagnostics.CodeAnalysis;

// RS0026 guards a shipped API against new overloads with optional parameters (they break callers compiled against the
// old ones). These overloads were there before the API was tracked; new ones still get the error.
[assembly: SuppressMessage("ApiDesign", "RS0026", Scope = "type", Target = "~T:Faustish.FaustishApp", Justification = "Overloads from before API tracking.")]
[assembly: SuppressMessage("ApiDesign", "RS0026", Scope = "type", Target = "~T:Faustish.TableExtensions", Justification = "Overloads from before API tracking.")]
