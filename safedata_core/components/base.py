"""``Component``: what every synthesizer, mechanism, SDC method, attack, metric and profile step shares.

A component is a class. Its metadata lives on the class (``name``, ``kind``,
``privacy``, a nested pydantic ``Params`` model) and its docstring documents it
with at least a **Privacy guarantee** and an **Assumptions** section. The
registry checks all of this when a plugin registers the class.

A component kind is a direct subclass of :class:`Component` that sets ``kind``
and implements :meth:`Component.run_step`; its traits (class variables below)
tell the validator and the runner what a step of that kind does. The runner
knows no kind by name, so a plugin can add a kind with its base class alone.

``Component`` is generic over its ``Params`` model: ``class MySynth(Synthesizer[MyParams])``
types ``self.params`` as ``MyParams`` (an unparameterised subclass gets ``Any``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, cast

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from safedata_core.components.step import StepInputs, StepOutput

ComponentKind = Literal["synthesizer", "mechanism", "sdc", "attack", "metric"]
PrivacyKind = Literal["dp", "sdc", "none"]
KINDS: tuple[ComponentKind, ...] = ("synthesizer", "mechanism", "sdc", "attack", "metric")

P = TypeVar("P", bound=BaseModel, default=Any)
C = TypeVar("C", bound="Component", contravariant=True)

__all__ = ["KINDS", "Component", "ComponentKind", "NoParams", "PrivacyKind", "Register", "kind_base"]


class NoParams(BaseModel):
    """Params of a component that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Register(Protocol[C]):
    """The callable a ``register_*`` hook receives: ``register(MyComponent)``."""

    def __call__(self, cls: type[C], /) -> None: ...


class Component(ABC, Generic[P]):
    """Base class of all components. Instances are created per pipeline step.

    Traits (class variables the validator and runner read):

    * ``reads_data``: the component reads the run's private records (default
      ``True``). A component with ``False`` sees only earlier releases (its
      ``StepInputs.data`` and ``holdout`` are ``None``) and the runner refuses
      it on the input data: it is post-processing.
    * ``releases_table``: a step of this component outputs a table that is
      released (unless a later step protects it further).
    * ``requires_delta``: a DP step needs a share with ``delta > 0`` (Gaussian
      noise, DP-SGD); the runner refuses it otherwise before any step runs.
    * ``supports_dask``: the component accepts Dask-backed tables (``table.df``
      a Dask DataFrame; see docs/concepts/scale.md); a Dask run refuses a step
      whose component does not declare it.
    """

    kind: ClassVar[str]
    name: ClassVar[str]
    privacy: ClassVar[PrivacyKind]
    Params: ClassVar[type[BaseModel]] = NoParams
    reads_data: ClassVar[bool] = True
    releases_table: ClassVar[bool] = False
    requires_delta: ClassVar[bool] = False
    supports_dask: ClassVar[bool] = False

    def __init__(self, params: BaseModel | Mapping[str, Any] | None = None) -> None:
        if params is None or isinstance(params, Mapping):
            params = self.Params.model_validate(dict(params or {}))
        self.params: P = cast("P", params)

    @property
    def dp_active(self) -> bool:
        """Whether this instance runs under DP: ``privacy = "dp"`` and ``params.dp`` (when present) true."""
        return self.privacy == "dp" and bool(getattr(self.params, "dp", True))

    @abstractmethod
    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Run as one pipeline step (each component kind's base class implements this)."""

    def report_extras(self) -> dict[str, Any]:
        """Extra JSON-serialisable facts for the report (e.g. a learned network). Default: none."""
        return {}

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


def kind_base(cls: type[Component]) -> type[Component] | None:
    """The base class that defines ``cls``'s kind: the direct subclass of :class:`Component` above it.

    ``None`` when ``cls`` is ``Component`` itself or its kind base does not set ``kind``.
    """
    for klass in reversed(cls.__mro__):
        if klass is not Component and isinstance(klass, type) and issubclass(klass, Component):
            return klass if "kind" in vars(klass) else None
    return None
