#!/usr/bin/env bash
# Draws the README's gallery with `swiftlr plot`: one PNG per scheduler.
set -euo pipefail
cd "$(dirname "$0")"
plot() { name=$1; shift; swiftlr plot "$name" "$@" -o "$name.png" > /dev/null; echo "$name.png"; }
plot StepLR --lr 0.1 --steps 100 --step-size 30 --gamma 0.5
plot MultiStepLR --lr 0.1 --steps 100 --milestones 30,60,80 --gamma 0.3
plot ConstantLR --lr 0.1 --steps 100 --factor 0.5 --total-iters 40
plot LinearLR --lr 0.1 --steps 100 --start-factor 0.1 --total-iters 40
plot ExponentialLR --lr 0.1 --steps 100 --gamma 0.96
plot PolynomialLR --lr 0.1 --steps 100 --total-iters 80 --power 2.0
plot CosineAnnealingLR --lr 0.1 --steps 100 --T-max 100 --eta-min 0.001
plot CosineAnnealingWarmRestarts --lr 0.1 --steps 100 --T-0 10 --T-mult 2 --eta-min 0.001
plot CyclicLR --lr 0.1 --steps 100 --base-lr 0.01 --max-lr 0.1 --step-size-up 10 --mode triangular2
plot OneCycleLR --lr 0.1 --steps 100 --max-lr 0.1 --total-steps 100
plot LambdaLR --lr 0.1 --steps 100 --lr-lambda "0.97 ** epoch"
plot MultiplicativeLR --lr 0.1 --steps 100 --lr-lambda "0.98"
plot ReduceLROnPlateau --lr 0.1 --steps 60 --patience 5 --factor 0.5 --metrics "$(python3 -c 'print(",".join(str(max(1.0 - 0.05 * k, 0.3)) for k in range(60)))')"
plot SWALR --lr 0.1 --steps 40 --swa-lr 0.02 --anneal-epochs 20
plot WarmupCosineLR --lr 0.1 --steps 100 --warmup-steps 10 --total-steps 100 --eta-min 0.001
plot InverseSqrtLR --lr 0.1 --steps 100 --warmup-steps 10
plot WarmupStableDecayLR --lr 0.1 --steps 100 --warmup-steps 10 --stable-steps 50 --decay-steps 30 --decay-type 1-sqrt
plot PiecewiseLinearLR --lr 0.1 --steps 100 --milestones 0,20,60,100 --factors 0.1,1.0,0.5,0.0
plot CooldownLR --lr 0.1 --steps 60 --decay-steps 50 --decay-type cosine --min-lr-ratio 0.1
