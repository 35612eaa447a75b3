"""Deliberation math, geometry: PCA of the vote matrix, Pol.is projection, k-means opinion groups, silhouette."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from bot.engine.deliberation_model import (
    KMEANS_MAX_ITERATIONS,
    KMEANS_RESTARTS,
    MAX_K,
    MIN_K,
    PARTICIPANTS_PER_EXTRA_K,
    SILHOUETTE_SAMPLE,
    Matrix,
)

Labels = npt.NDArray[np.intp]


class Pca(NamedTuple):
    center: Matrix  # (m,) mean of the votes cast per statement
    components: Matrix  # (2, m) unit principal axes
    explained: tuple[float, float]  # share of the total variance along each axis
    centred: Matrix  # (n, m) votes minus center, 0 where unseen (= mean imputation)


class Clustering(NamedTuple):
    labels: Labels  # group index per clustered point; 0 is the largest group
    k: int
    silhouette: float


def pca(votes: Matrix, seen: npt.NDArray[np.bool_]) -> Pca:
    """Two principal components of the mean-imputed vote matrix.

    Unseen cells take their column's mean, so after centring they are exactly 0. The axes are the top
    eigenvectors of the m x m scatter matrix X^T X: the same axes Pol.is finds by power iteration, exact,
    and far cheaper than an SVD of the n x m matrix. Signs are fixed (largest loading positive) so that
    recomputes on the same data give the same picture.
    """
    n_statements = votes.shape[1]
    counts = seen.sum(axis=0)
    filled = np.where(seen, votes, 0.0)
    center = filled.sum(axis=0) / np.maximum(counts, 1)
    centred = filled - seen * center
    scatter = centred.T @ centred
    components = np.zeros((2, n_statements))
    explained = [0.0, 0.0]
    if n_statements:
        eigenvalues, eigenvectors = np.linalg.eigh(scatter)
        total = float(eigenvalues.clip(min=0.0).sum())
        for i in range(min(2, n_statements)):
            value, axis = eigenvalues[-1 - i], eigenvectors[:, -1 - i]
            if value <= 1e-12 * max(total, 1.0):
                break
            components[i] = axis if axis[np.argmax(np.abs(axis))] > 0 else -axis
            explained[i] = float(value) / total
    return Pca(center, components, (explained[0], explained[1]), centred)


def project(centred: Matrix, components: Matrix, n_votes: npt.NDArray[np.int64]) -> Matrix:
    """Pol.is sparsity-aware projection: unseen cells add nothing, then scale by sqrt(statements / own votes).

    Without the scaling someone who voted on few statements sits near the centre only because the imputed
    means pull them there; the scaling pushes them out to where their votes point.
    """
    scale = np.sqrt(centred.shape[1] / np.maximum(n_votes, 1))
    result: Matrix = (centred @ components.T) * scale[:, None]
    return result


def _squared_distances(points: Matrix, centers: Matrix) -> Matrix:
    result: Matrix = np.zeros((len(points), len(centers)))
    for d in range(points.shape[1]):  # two coordinates: cheaper than one (n, k, 2) temporary and a reduce
        diff = points[:, d, None] - centers[None, :, d]
        result += diff * diff
    return result


def _kmeans_plus_plus(points: Matrix, k: int, rng: np.random.Generator) -> Matrix:
    centers = np.empty((k, points.shape[1]))
    centers[0] = points[rng.integers(len(points))]
    nearest = _squared_distances(points, centers[:1])[:, 0]
    for i in range(1, k):
        total = float(nearest.sum())
        if total > 0:
            pick = int(np.searchsorted(np.cumsum(nearest), rng.random() * total, side="right"))
            pick = min(pick, len(points) - 1)
        else:
            pick = int(rng.integers(len(points)))
        centers[i] = points[pick]
        nearest = np.minimum(nearest, _squared_distances(points, centers[i : i + 1])[:, 0])
    return centers


def _lloyd(points: Matrix, centers: Matrix) -> tuple[Labels, Matrix, float]:
    k = len(centers)
    labels: Labels = np.full(len(points), -1, dtype=np.intp)
    for _ in range(KMEANS_MAX_ITERATIONS):
        distances = _squared_distances(points, centers)
        new_labels: Labels = distances.argmin(axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        counts = np.bincount(labels, minlength=k)
        for empty in np.flatnonzero(counts == 0):  # reseed an empty group at the worst-served point
            far = int(distances[np.arange(len(points)), labels].argmax())
            labels[far] = empty
            distances[far] = 0.0
            counts = np.bincount(labels, minlength=k)
        centers = np.stack([np.bincount(labels, weights=points[:, d], minlength=k) for d in range(points.shape[1])],
                           axis=1) / np.maximum(counts, 1)[:, None]
    inertia = float(_squared_distances(points, centers)[np.arange(len(points)), labels].sum())
    return labels, centers, inertia


def kmeans(points: Matrix, k: int, rng: np.random.Generator, restarts: int = KMEANS_RESTARTS) -> Labels:
    """k-means with k-means++ seeding; the best of ``restarts`` runs (lowest inertia). Group 0 is the largest."""
    best: tuple[float, Labels, Matrix] | None = None
    for _ in range(restarts):
        labels, centers, inertia = _lloyd(points, _kmeans_plus_plus(points, k, rng))
        if best is None or inertia < best[0] - 1e-9:
            best = (inertia, labels, centers)
    assert best is not None
    _, labels, centers = best
    sizes = np.bincount(labels, minlength=k)
    order = sorted(range(k), key=lambda g: (-sizes[g], *centers[g]))
    relabel = np.empty(k, dtype=np.intp)
    relabel[order] = np.arange(k)
    result: Labels = relabel[labels]
    return result


def silhouette(distances: Matrix, labels: Labels, k: int) -> float:
    """Mean silhouette (b - a) / max(a, b) over the points of a precomputed distance matrix; 0 for singletons."""
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    sizes = onehot.sum(axis=0)
    sums = distances @ onehot
    own = sizes[labels]
    a = sums[np.arange(len(labels)), labels] / np.maximum(own - 1, 1)
    means = np.where(sizes > 0, sums / np.maximum(sizes, 1), np.inf)
    means[np.arange(len(labels)), labels] = np.inf
    b = means.min(axis=1)
    denominator = np.maximum(a, b)
    valid = (own > 1) & np.isfinite(b) & (denominator > 0)
    scores = np.where(valid, (b - a) / np.where(valid, denominator, 1.0), 0.0)
    return float(scores.mean())


def cluster(points: Matrix, rng: np.random.Generator) -> Clustering:
    """Opinion groups for the clustered participants' 2-D positions, k in 2..5 chosen by silhouette.

    Pol.is caps k at 2 + n/12 so that small conversations get few groups. Silhouette uses a fixed random
    sample of at most SILHOUETTE_SAMPLE points (its cost is quadratic); the same sample scores every k.
    Fewer than two distinct positions give one group (k = 1); no points give k = 0.
    """
    n = len(points)
    if n == 0:
        return Clustering(np.zeros(0, dtype=np.intp), 0, 0.0)
    distinct = len(np.unique(points.round(9), axis=0))
    max_k = min(MAX_K, MIN_K + n // PARTICIPANTS_PER_EXTRA_K, distinct)
    if max_k < MIN_K:
        return Clustering(np.zeros(n, dtype=np.intp), 1, 0.0)
    sample = np.sort(rng.choice(n, size=SILHOUETTE_SAMPLE, replace=False)) if n > SILHOUETTE_SAMPLE else np.arange(n)
    chosen = points[sample]
    distances = np.sqrt(_squared_distances(chosen, chosen))
    best: Clustering | None = None
    for k in range(MIN_K, max_k + 1):
        labels = kmeans(points, k, rng)
        score = silhouette(distances, labels[sample], k)
        if best is None or score > best.silhouette + 1e-12:
            best = Clustering(labels, k, score)
    assert best is not None
    return best
