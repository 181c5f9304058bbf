"""The corpus as data: which model each file builds, on which inputs, and the shape bugs injected into it.

Pure data (no torch): the static interpreter's tests read it without running anything, and
tests/test_corpus_torch.py checks every entry against real torch (see harness.py).

Inputs are the shapes of forward's positional arguments; an argument that is itself a tuple of shapes
is a tuple of tensors (an LSTM's ``(h, c)``). ``Call("GPTConfig", kwargs={...})`` as a constructor
argument means "the result of calling that name of the file with these literals".
"""

from __future__ import annotations

from dataclasses import dataclass, field

Shape = tuple[int, ...]
Arg = Shape | tuple[Shape, ...]
Inputs = tuple[Arg, ...]


@dataclass(frozen=True)
class Call:
    """A call to a class or function defined in the corpus file, with literal arguments."""

    name: str
    args: tuple[object, ...] = ()
    kwargs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    file: str  # "tv_resnet.py"
    name: str  # class or factory function in that file, e.g. "resnet18"
    args: tuple[object, ...] = ()  # constructor/factory arguments (literals, or Call)
    kwargs: dict[str, object] = field(default_factory=dict)
    inputs: Inputs = ((2, 3, 32, 32),)  # shapes of forward's tensor arguments
    dtypes: tuple[str, ...] = ("float",)  # "float" or "long" (token ids) per argument
    vocab: int = 0  # upper bound for random long inputs
    others: tuple[Inputs, ...] = ()  # further inputs the original accepts (other sizes, batches, lengths)


@dataclass(frozen=True)
class Bug:
    id: str  # "tv_resnet.fc_in"
    model: Model  # the model it breaks (same file)
    old: str  # an exact line of the file (whitespace-insensitive match, must be unique)
    new: str  # its replacement (the old line's indentation is kept)
    lines: tuple[int, ...]  # 1-based lines where a report counts: the edited line, the forward line consuming it
    unsatisfiable: bool  # True when NO input makes the bugged model run (it fails to build, or on every size)
    note: str  # the realistic mistake, in words
    witness: Inputs | None = None  # for a satisfiable bug: an input on which the bugged model runs
    stated: bool = False  # satisfiable, but the file's own ``test()`` calls the model on a size it states, and fails:
    # a report at ``lines`` is then right, not a false positive (torch runs ``test()`` to confirm it)


# ---------------------------------------------------------------- models
IMG = ((1, 3, 224, 224),)


def images(*sizes: tuple[int, int, int]) -> tuple[Inputs, ...]:
    """Input sets of one NCHW image batch each: (batch, height, width) with 3 channels."""
    return tuple(((b, 3, h, w),) for b, h, w in sizes)


ALEXNET = Model("tv_alexnet.py", "AlexNet", inputs=((2, 3, 224, 224),),
                others=images((2, 64, 64), (1, 96, 128), (1, 256, 256)))
VGG11 = Model("tv_vgg.py", "vgg11", kwargs={"num_classes": 10}, inputs=((1, 3, 32, 32),),
              others=images((2, 64, 64), (1, 64, 96)))
RESNET18 = Model("tv_resnet.py", "resnet18", inputs=IMG, others=images((2, 32, 32), (1, 64, 96), (1, 128, 128)))
RESNET50 = Model("tv_resnet.py", "resnet50", inputs=((1, 3, 64, 64),), others=images((2, 32, 32), (1, 64, 96)))
SQUEEZENET = Model("tv_squeezenet.py", "squeezenet1_1", inputs=IMG,
                   others=images((2, 64, 64), (1, 96, 128), (1, 32, 32)))
MOBILENETV2 = Model("tv_mobilenetv2.py", "mobilenet_v2", inputs=IMG,
                    others=images((2, 32, 32), (1, 64, 96), (1, 128, 128)))
DENSENET = Model("tv_densenet.py", "densenet121", inputs=((1, 3, 64, 64),), others=images((2, 32, 32), (1, 48, 80)))
GOOGLENET = Model("tv_googlenet.py", "googlenet", kwargs={"init_weights": False}, inputs=IMG,
                  others=images((2, 64, 64), (1, 96, 128), (1, 32, 32)))
SHUFFLENET = Model("tv_shufflenetv2.py", "shufflenet_v2_x1_0", inputs=IMG,
                   others=images((2, 32, 32), (1, 64, 96), (1, 128, 128)))
MNASNET = Model("tv_mnasnet.py", "mnasnet0_5", inputs=IMG, others=images((2, 32, 32), (1, 64, 96), (1, 128, 128)))
INCEPTION = Model("tv_inception.py", "inception_v3", kwargs={"init_weights": False}, inputs=((1, 3, 96, 96),),
                  others=images((2, 75, 75), (1, 80, 112)))
R3D = Model("tv_video_resnet.py", "r3d_18", inputs=((1, 3, 4, 32, 32),),
            others=(((2, 3, 2, 16, 16),), ((1, 3, 8, 32, 48),)))
TV_VIT = Model("tv_vision_transformer.py", "VisionTransformer",
               kwargs={"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 2, "hidden_dim": 32,
                       "mlp_dim": 64, "num_classes": 10},
               inputs=((2, 3, 32, 32),), others=images((1, 32, 32), (3, 32, 32)))
CONVNEXT = Model("tv_convnext.py", "convnext_tiny", inputs=((1, 3, 64, 64),), others=images((2, 32, 32), (1, 32, 96)))
VIT = Model("lucidrains_vit.py", "ViT",
            kwargs={"image_size": 32, "patch_size": 8, "num_classes": 10, "dim": 64, "depth": 2, "heads": 4,
                    "mlp_dim": 128},
            others=images((1, 32, 32), (3, 32, 32)))
SIMPLE_VIT = Model("lucidrains_simple_vit.py", "SimpleViT",
                   kwargs={"image_size": 32, "patch_size": 8, "num_classes": 10, "dim": 64, "depth": 2, "heads": 4,
                           "mlp_dim": 128},
                   others=images((1, 32, 32), (3, 32, 32)))
MOBILE_VIT = Model("lucidrains_mobile_vit.py", "MobileViT",
                   kwargs={"image_size": (256, 256), "dims": [64, 80, 96],
                           "channels": [16, 16, 24, 24, 48, 48, 64, 64, 80, 80, 320], "num_classes": 1000},
                   inputs=((1, 3, 64, 64),), others=images((2, 64, 64), (1, 128, 64)))
MLP_MIXER = Model("lucidrains_mlp_mixer.py", "MLPMixer",
                  kwargs={"image_size": 32, "channels": 3, "patch_size": 8, "dim": 64, "depth": 2, "num_classes": 10},
                  others=images((1, 32, 32), (3, 32, 32)))
WAV2LETTER = Model("ta_wav2letter.py", "Wav2Letter", inputs=((1, 1, 16000),),
                   others=(((2, 1, 8000),), ((1, 1, 4000),), ((1, 1, 24000),)))
WAV2LETTER_MFCC = Model("ta_wav2letter.py", "Wav2Letter", kwargs={"input_type": "mfcc", "num_features": 13},
                        inputs=((2, 13, 100),), others=(((1, 13, 50),), ((1, 13, 200),), ((3, 13, 2),)))
DEEPSPEECH = Model("ta_deepspeech.py", "DeepSpeech", kwargs={"n_feature": 40, "n_hidden": 256},
                   inputs=((2, 1, 50, 40),), others=(((1, 1, 10, 40),), ((3, 1, 100, 40),), ((1, 1, 1, 40),)))
CONV_TASNET = Model("ta_conv_tasnet.py", "ConvTasNet", inputs=((1, 1, 800),), others=(((2, 1, 400),), ((1, 1, 803),)))
WAVERNN = Model("ta_wavernn.py", "WaveRNN",
                kwargs={"upsample_scales": [2, 2, 2], "n_classes": 512, "hop_length": 8, "n_rnn": 128, "n_fc": 128},
                inputs=((1, 1, 48), (1, 1, 128, 10)), dtypes=("float", "float"),
                others=(((1, 1, 16), (1, 1, 128, 6)), ((2, 1, 80), (2, 1, 128, 14))))
MNIST_NET = Model("pl_mnist_net.py", "Net", inputs=((2, 1, 28, 28),), others=(((1, 1, 28, 28),), ((5, 1, 28, 28),)))
LSTM = Model("pl_lstm.py", "SimpleLSTM", kwargs={"nhid": 256}, inputs=((2, 8), ((4, 2, 256), (4, 2, 256))),
             dtypes=("long", "float"), vocab=33278,
             others=(((1, 1), ((4, 1, 256), (4, 1, 256))), ((3, 20), ((4, 3, 256), (4, 3, 256)))))
TRANSFORMER = Model("pl_transformer.py", "Transformer", kwargs={"nhid": 256}, inputs=((2, 8), (2, 8)),
                    dtypes=("long", "long"), vocab=33278, others=(((1, 1), (1, 1)), ((3, 20), (3, 20))))
UNET = Model("unet_pytorch.py", "UNet", inputs=((1, 1, 64, 64),), others=(((2, 1, 32, 32),), ((1, 1, 48, 80),)))
NANOGPT = Model("ez_nanogpt.py", "GPT", args=(Call("GPTConfig", kwargs={"n_head": 4}),), inputs=((2, 16, 64),),
                others=(((1, 1, 64),), ((2, 64, 64),), ((1, 1024, 64),)))
CLIP_RESNET = Model("openclip_modified_resnet.py", "ModifiedResNet",
                    kwargs={"layers": [1, 1, 1, 1], "output_dim": 32, "heads": 2, "image_size": 64, "width": 16},
                    inputs=((2, 3, 64, 64),), others=images((1, 64, 64), (3, 64, 64)))

# held out: kuangliu/pytorch-cifar, added after the interpreter was developed on the files above (CIFAR 32x32)
CIFAR_LENET = Model("cifar_lenet.py", "LeNet", others=images((1, 32, 32), (3, 32, 32), (1, 35, 35)))
CIFAR_PREACT18 = Model("cifar_preact_resnet.py", "PreActResNet18", others=images((1, 32, 32), (3, 32, 32), (1, 36, 36)))
CIFAR_PREACT50 = Model("cifar_preact_resnet.py", "PreActResNet50", others=images((1, 32, 32), (1, 36, 36)))
CIFAR_SENET = Model("cifar_senet.py", "SENet18", others=images((1, 32, 32), (3, 32, 32), (1, 36, 36)))
CIFAR_DPN = Model("cifar_dpn.py", "DPN26", others=images((1, 32, 32), (1, 36, 36)))
CIFAR_DLA = Model("cifar_dla.py", "DLA", others=images((1, 32, 32), (3, 32, 32), (1, 36, 36)))
CIFAR_REGNETX = Model("cifar_regnet.py", "RegNetX_200MF", others=images((1, 32, 32), (1, 64, 64), (1, 48, 80)))
CIFAR_REGNETY = Model("cifar_regnet.py", "RegNetY_400MF", others=images((1, 32, 32), (1, 64, 64)))
CIFAR_EFFICIENTNET = Model("cifar_efficientnet.py", "EfficientNetB0", others=images((1, 32, 32), (1, 64, 64), (1, 48, 80)))
CIFAR_MOBILENET = Model("cifar_mobilenet.py", "MobileNet", others=images((1, 32, 32), (3, 32, 32), (1, 48, 48)))
HELD_OUT: list[Model] = [
    CIFAR_LENET, CIFAR_PREACT18, CIFAR_PREACT50, CIFAR_SENET, CIFAR_DPN, CIFAR_DLA, CIFAR_REGNETX, CIFAR_REGNETY,
    CIFAR_EFFICIENTNET, CIFAR_MOBILENET,
]
"""The models of the held-out files: chosen, with their bugs, without looking at what the interpreter says."""

MODELS: list[Model] = [
    ALEXNET, VGG11, RESNET18, RESNET50, SQUEEZENET, MOBILENETV2, DENSENET, GOOGLENET, SHUFFLENET, MNASNET,
    INCEPTION, R3D, TV_VIT, CONVNEXT, VIT, SIMPLE_VIT, MOBILE_VIT, MLP_MIXER, WAV2LETTER, WAV2LETTER_MFCC,
    DEEPSPEECH, CONV_TASNET, WAVERNN, MNIST_NET, LSTM, TRANSFORMER, UNET, NANOGPT, CLIP_RESNET,
    *HELD_OUT,
]

# ---------------------------------------------------------------- bugs
BUGS: list[Bug] = [
    Bug(
        'tv_alexnet.fc_in', ALEXNET,
        old='nn.Linear(256 * 6 * 6, 4096),',
        new='nn.Linear(256 * 5 * 5, 4096),',
        lines=(42, 54), unsatisfiable=True,
        note='first Linear sized for a 5x5 feature map, but AdaptiveAvgPool2d((6, 6)) always yields 256*6*6 features',
    ),
    Bug(
        'tv_alexnet.conv_in', ALEXNET,
        old='nn.Conv2d(256, 256, kernel_size=3, padding=1),',
        new='nn.Conv2d(384, 256, kernel_size=3, padding=1),',
        lines=(35, 51), unsatisfiable=True,
        note="copied the previous conv's in_channels (384) into the last conv, which receives 256 channels",
    ),
    Bug(
        'tv_alexnet.flatten_batch', ALEXNET,
        old='x = torch.flatten(x, 1)',
        new='x = torch.flatten(x)',
        lines=(53, 42, 54), unsatisfiable=False,
        note='flatten without start_dim also flattens the batch: only a batch of one reaches the classifier as 9216 features',
        witness=((1, 3, 224, 224),),
    ),
    Bug(
        'tv_vgg.cfg_width', VGG11,
        old='"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],',
        new='"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 256, "M"],',
        lines=(94, 47, 72), unsatisfiable=True,
        note="narrowed the last conv of cfg A to 256 without touching the classifier's 512 * 7 * 7 inputs",
    ),
    Bug(
        'tv_vgg.in_channels_update', VGG11,
        old='in_channels = v',
        new='# in_channels = v',
        lines=(89, 69, 84), unsatisfiable=True,
        note='make_layers no longer carries the channel count forward: every conv expects 3 input channels',
    ),
    Bug(
        'tv_vgg.pool_kernel', VGG11,
        old='layers += [nn.MaxPool2d(kernel_size=2, stride=2)]',
        new='layers += [nn.MaxPool2d(kernel_size=3, stride=2)]',
        lines=(81, 69), unsatisfiable=False,
        note='3x3 pooling without padding: five of them shrink a 32x32 image to nothing (64x64 still works)',
        witness=((1, 3, 64, 64),),
    ),
    Bug(
        'tv_resnet.fc_expansion', RESNET50,
        old='self.fc = nn.Linear(512 * block.expansion, num_classes)',
        new='self.fc = nn.Linear(512, num_classes)',
        lines=(210, 284), unsatisfiable=True,
        note="classifier sized for BasicBlock; Bottleneck's expansion 4 gives 2048 features",
    ),
    Bug(
        'tv_resnet.bottleneck_expansion', RESNET50,
        old='self.conv3 = conv1x1(width, planes * self.expansion)',
        new='self.conv3 = conv1x1(width, planes)',
        lines=(142, 143, 160), unsatisfiable=True,
        note='last 1x1 conv of the bottleneck forgets the expansion; bn3 expects planes * 4 channels',
    ),
    Bug(
        'tv_resnet.downsample_stride', RESNET18,
        old='conv1x1(self.inplanes, planes * block.expansion, stride),',
        new='conv1x1(self.inplanes, planes * block.expansion),',
        lines=(245, 107), unsatisfiable=False,
        note="the shortcut's 1x1 conv lost its stride: identity keeps the full resolution the main path halved (equal only when the map is 1x1 there, inputs up to 4x4)",
        witness=((1, 3, 4, 4),),
    ),
    Bug(
        'tv_resnet.inplanes_update', RESNET18,
        old='self.inplanes = planes * block.expansion',
        new='# self.inplanes = planes * block.expansion',
        lines=(255, 47, 97, 278), unsatisfiable=True,
        note='_make_layer no longer records the new width: later blocks are built for 64 input channels',
    ),
    Bug(
        'tv_squeezenet.fire_expand', SQUEEZENET,
        old='Fire(64, 16, 64, 64),',
        new='Fire(64, 16, 64, 32),',
        lines=(65, 26, 34, 98), unsatisfiable=True,
        note='halved one expand branch: the Fire outputs 96 channels, the next Fire is built for 128',
    ),
    Bug(
        'tv_squeezenet.cat_dim', SQUEEZENET,
        old='[self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1',
        new='[self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 2',
        lines=(36, 26, 34, 35), unsatisfiable=True,
        note='concatenated the two expand branches along height instead of channels',
    ),
    Bug(
        'tv_squeezenet.final_conv', SQUEEZENET,
        old='final_conv = nn.Conv2d(512, self.num_classes, kernel_size=1)',
        new='final_conv = nn.Conv2d(384, self.num_classes, kernel_size=1)',
        lines=(83, 99), unsatisfiable=True,
        note='final conv sized from the wrong Fire (384 instead of 512 channels)',
    ),
    Bug(
        'tv_mobilenetv2.res_channels', MOBILENETV2,
        old='self.use_res_connect = self.stride == 1 and inp == oup',
        new='self.use_res_connect = self.stride == 1',
        lines=(187, 217), unsatisfiable=True,
        note='residual connection used whenever stride is 1, also where the block changes the channel count (32 -> 16)',
    ),
    Bug(
        'tv_mobilenetv2.classifier_in', MOBILENETV2,
        old='nn.Linear(self.last_channel, num_classes),',
        new='nn.Linear(input_channel, num_classes),',
        lines=(301, 324), unsatisfiable=True,
        note='classifier sized from the last inverted-residual width (320) instead of last_channel (1280)',
    ),
    Bug(
        'tv_mobilenetv2.pw_kernel', MOBILENETV2,
        old='nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),',
        new='nn.Conv2d(hidden_dim, oup, 3, 1, 0, bias=False),',
        lines=(207, 217), unsatisfiable=True,
        note='3x3 projection without padding shrinks the map by 2, so the residual add never lines up',
    ),
    Bug(
        'tv_densenet.layer_inputs', DENSENET,
        old='num_input_features + i * growth_rate,',
        new='num_input_features,',
        lines=(116, 41, 54), unsatisfiable=True,
        note="each dense layer built for the block's input width, forgetting the growth of the concatenated features",
    ),
    Bug(
        'tv_densenet.transition_halving', DENSENET,
        old='num_features = num_features // 2',
        new='# num_features = num_features // 2',
        lines=(198, 41, 54, 217), unsatisfiable=True,
        note='forgot that the transition halves the channels: the next dense block is built for twice its input',
    ),
    Bug(
        'tv_densenet.cat_dim', DENSENET,
        old='concated_features = torch.cat(inputs, 1)',
        new='concated_features = torch.cat(inputs, 0)',
        lines=(53,), unsatisfiable=True,
        note='concatenated the previous features along the batch dimension: their channel counts differ',
    ),
    Bug(
        'tv_googlenet.pool_proj', GOOGLENET,
        old='self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 32)',
        new='self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 64)',
        lines=(72, 128, 272, 276), unsatisfiable=True,
        note='doubled one branch of inception 3a (288 output channels) while 3b is built for 256',
    ),
    Bug(
        'tv_googlenet.fc_in', GOOGLENET,
        old='self.fc = nn.Linear(1024, num_classes)',
        new='self.fc = nn.Linear(832, num_classes)',
        lines=(95, 164), unsatisfiable=True,
        note="classifier sized from inception 5a's input (832) instead of 5b's output (1024)",
    ),
    Bug(
        'tv_googlenet.branch_pool_padding', GOOGLENET,
        old='nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),',
        new='nn.MaxPool2d(kernel_size=3, stride=1, ceil_mode=True),',
        lines=(216, 231), unsatisfiable=True,
        note='pool branch without padding is 2 pixels smaller than the other branches, so the concat fails',
    ),
    Bug(
        'tv_shufflenetv2.cat_dim', SHUFFLENET,
        old='out = torch.cat((x1, self.branch2(x2)), dim=1)',
        new='out = torch.cat((x1, self.branch2(x2)), dim=0)',
        lines=(99, 73), unsatisfiable=True,
        note="joined the two halves along the batch: the next unit's branch gets half the channels it was built for",
    ),
    Bug(
        'tv_shufflenetv2.fc_in', SHUFFLENET,
        old='self.fc = nn.Linear(output_channels, num_classes)',
        new='self.fc = nn.Linear(input_channels, num_classes)',
        lines=(154, 165), unsatisfiable=True,
        note="classifier sized from stage 4's width (464) instead of conv5's (1024)",
    ),
    Bug(
        'tv_shufflenetv2.globalpool', SHUFFLENET,
        old='x = x.mean([2, 3])  # globalpool',
        new='x = x.mean(2)  # globalpool',
        lines=(164, 154, 165), unsatisfiable=False,
        note='global pool over height only: fc then sees the pooled width as features (runs only when width/32 == 1024)',
        witness=((1, 3, 32, 32768),),
    ),
    Bug(
        'tv_mnasnet.stack_index', MNASNET,
        old='_stack(depths[4], depths[5], 3, 1, 6, 2, _BN_MOMENTUM),',
        new='_stack(depths[5], depths[5], 3, 1, 6, 2, _BN_MOMENTUM),',
        lines=(138, 51, 65, 162), unsatisfiable=True,
        note='off-by-one depth index: the stack is built for 48 input channels, it receives 40',
    ),
    Bug(
        'tv_mnasnet.dw_padding', MNASNET,
        old='nn.Conv2d(mid_ch, mid_ch, kernel_size, padding=kernel_size // 2, stride=stride, groups=mid_ch, bias=False),',
        new='nn.Conv2d(mid_ch, mid_ch, kernel_size, padding=1, stride=stride, groups=mid_ch, bias=False),',
        lines=(55, 65), unsatisfiable=True,
        note='depthwise padding hard-coded to 1: the 5x5 blocks shrink the map and their residual add fails',
    ),
    Bug(
        'tv_mnasnet.classifier_in', MNASNET,
        old='self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(1280, num_classes))',
        new='self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(depths[7], num_classes))',
        lines=(147, 165), unsatisfiable=True,
        note='classifier sized from the last stack (depths[7]) forgetting the final 1x1 conv to 1280',
    ),
    Bug(
        'tv_inception.b_padding', INCEPTION,
        old='self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)',
        new='self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2, padding=1)',
        lines=(227, 243), unsatisfiable=True,
        note='padded one strided branch of InceptionB: it comes out one pixel larger than the other two',
    ),
    Bug(
        'tv_inception.mixed_7b_in', INCEPTION,
        old='self.Mixed_7b = inception_e(1280)',
        new='self.Mixed_7b = inception_e(1024)',
        lines=(84, 145, 404, 408), unsatisfiable=True,
        note="miscounted InceptionD's concat (320 + 192 + 768 = 1280) as 1024",
    ),
    Bug(
        'tv_inception.c_padding', INCEPTION,
        old='self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))',
        new='self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(3, 0))',
        lines=(257, 289, 404, 408), unsatisfiable=True,
        note='asymmetric kernel with its padding transposed: the branch grows in height and shrinks in width',
    ),
    Bug(
        'tv_video_resnet.block_stride', R3D,
        old='conv_builder(inplanes, planes, midplanes, stride), nn.BatchNorm3d(planes), nn.ReLU(inplace=True)',
        new='conv_builder(inplanes, planes, midplanes), nn.BatchNorm3d(planes), nn.ReLU(inplace=True)',
        lines=(107, 122), unsatisfiable=False,
        note="the block's first conv lost its stride while the shortcut keeps it (equal only for 1x1x1 maps)",
        witness=((1, 3, 1, 2, 2),),
    ),
    Bug(
        'tv_video_resnet.fc_in', R3D,
        old='self.fc = nn.Linear(512 * block.expansion, num_classes)',
        new='self.fc = nn.Linear(512 * 4, num_classes)',
        lines=(234, 265), unsatisfiable=True,
        note='hard-coded the Bottleneck expansion in the classifier of a BasicBlock network',
    ),
    Bug(
        'tv_video_resnet.flatten_dim', R3D,
        old='x = x.flatten(1)',
        new='x = x.flatten(2)',
        lines=(264, 234, 265), unsatisfiable=True,
        note='flattened from the wrong dimension: fc gets a trailing dimension of 1 instead of 512 features',
    ),
    Bug(
        'tv_vision_transformer.class_token_seq', TV_VIT,
        old='seq_length += 1',
        new='# seq_length += 1',
        lines=(403, 339), unsatisfiable=True,
        note='positional embedding sized without the class token',
    ),
    Bug(
        'tv_vision_transformer.permute', TV_VIT,
        old='x = x.permute(0, 2, 1)',
        new='# x = x.permute(0, 2, 1)',
        lines=(467, 478), unsatisfiable=True,
        note='forgot to move the patches to the sequence dimension: (n, hidden, patches) meets the (n, 1, hidden) class token',
    ),
    Bug(
        'tv_vision_transformer.head_in', TV_VIT,
        old='heads_layers["head"] = nn.Linear(hidden_dim, num_classes)',
        new='heads_layers["head"] = nn.Linear(mlp_dim, num_classes)',
        lines=(419, 485), unsatisfiable=True,
        note='classification head sized with the MLP width instead of the hidden width',
    ),
    Bug(
        'tv_convnext.mlp_out', CONVNEXT,
        old='nn.Linear(in_features=4 * dim, out_features=dim, bias=True),',
        new='nn.Linear(in_features=4 * dim, out_features=4 * dim, bias=True),',
        lines=(264, 271), unsatisfiable=True,
        note="the inverted bottleneck's second Linear does not project back to dim; layer_scale and the residual are dim wide",
    ),
    Bug(
        'tv_convnext.downsample_out', CONVNEXT,
        old='nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2),',
        new='nn.Conv2d(cnf.input_channels, cnf.input_channels, kernel_size=2, stride=2),',
        lines=(355, 259, 271, 377), unsatisfiable=True,
        note='downsampling conv keeps the stage width; the next stage is built for out_channels',
    ),
    Bug(
        'tv_convnext.avgpool', CONVNEXT,
        old='self.avgpool = nn.AdaptiveAvgPool2d(1)',
        new='self.avgpool = nn.AdaptiveAvgPool2d(2)',
        lines=(360, 367, 379), unsatisfiable=True,
        note='pooled to 2x2: Flatten gives 4 * 768 features to a Linear built for 768',
    ),
    Bug(
        'lucidrains_vit.patch_dim', VIT,
        old='patch_dim = channels * patch_height * patch_width',
        new='patch_dim = patch_height * patch_width',
        lines=(98, 105, 124), unsatisfiable=False,
        note='patch size forgot the channels: only single-channel images fit the LayerNorm/Linear',
        witness=((2, 1, 32, 32),),
    ),
    Bug(
        'lucidrains_vit.no_transpose', VIT,
        old='dots = torch.matmul(q, k.transpose(-1, -2)) * self.scale',
        new='dots = torch.matmul(q, k) * self.scale',
        lines=(61,), unsatisfiable=True,
        note='q @ k without transposing k: (n x d) @ (n x d) needs n == d (64), the sequence is at most 17',
    ),
    Bug(
        'lucidrains_vit.pos_no_cls', VIT,
        old='self.pos_embedding = nn.Parameter(torch.randn(num_patches + num_cls_tokens, dim))',
        new='self.pos_embedding = nn.Parameter(torch.randn(num_patches, dim))',
        lines=(111, 131), unsatisfiable=False,
        note="positional embedding without the cls token: the 32x32 image's 17 tokens exceed it (smaller images fit)",
        witness=((2, 3, 32, 24),),
    ),
    Bug(
        'lucidrains_vit.head_in', VIT,
        old='self.mlp_head = nn.Linear(dim, num_classes) if num_classes > 0 else None',
        new='self.mlp_head = nn.Linear(mlp_dim, num_classes) if num_classes > 0 else None',
        lines=(120, 142), unsatisfiable=True,
        note='head sized with mlp_dim instead of dim',
    ),
    Bug(
        'lucidrains_simple_vit.posemb_cat', SIMPLE_VIT,
        old='pe = torch.cat((x.sin(), x.cos(), y.sin(), y.cos()), dim=1)',
        new='pe = torch.cat((x.sin(), x.cos(), y.sin(), y.cos()), dim=0)',
        lines=(24, 118), unsatisfiable=True,
        note='sin/cos features stacked along positions instead of features: (4*hw, dim/4) cannot add to (b, hw, dim)',
    ),
    Bug(
        'lucidrains_simple_vit.mean_dim', SIMPLE_VIT,
        old='x = x.mean(dim = 1)',
        new='x = x.mean(dim = 2)',
        lines=(121, 112, 124), unsatisfiable=True,
        note='pooled over features instead of tokens: the head gets 16 tokens, it expects 64 features',
    ),
    Bug(
        'lucidrains_simple_vit.to_out', SIMPLE_VIT,
        old='self.to_out = nn.Linear(inner_dim, dim, bias = False)',
        new='self.to_out = nn.Linear(dim, dim, bias = False)',
        lines=(52, 66), unsatisfiable=True,
        note='output projection sized dim -> dim, but the heads concatenate to heads * dim_head = 256',
    ),
    Bug(
        'lucidrains_mobile_vit.fusion_in', MOBILE_VIT,
        old='self.conv4 = conv_nxn_bn(2 * channel, channel, kernel_size)',
        new='self.conv4 = conv_nxn_bn(channel, channel, kernel_size)',
        lines=(156, 22, 174), unsatisfiable=True,
        note='fusion conv built for channel inputs, but it receives the concat of local and global features (2 * channel)',
    ),
    Bug(
        'lucidrains_mobile_vit.head_in', MOBILE_VIT,
        old='nn.Linear(channels[-1], num_classes, bias=False)',
        new='nn.Linear(channels[-2], num_classes, bias=False)',
        lines=(234, 247), unsatisfiable=True,
        note='head sized from channels[-2] (80) while the 1x1 conv before it outputs channels[-1] (320)',
    ),
    Bug(
        'lucidrains_mobile_vit.unfold_h', MOBILE_VIT,
        old="x = rearrange(x, 'b (ph pw) (h w) d -> b d (h ph) (w pw)', h=h//self.ph, w=w//self.pw, ph=self.ph, pw=self.pw)",
        new="x = rearrange(x, 'b (ph pw) (h w) d -> b d (h ph) (w pw)', h=h, w=w//self.pw, ph=self.ph, pw=self.pw)",
        lines=(169,), unsatisfiable=True,
        note='folding the patches back with h not divided by the patch height: h * w//pw never equals the token count',
    ),
    Bug(
        'lucidrains_mlp_mixer.token_mixing', MLP_MIXER,
        old='PreNormResidual(dim, FeedForward(num_patches, int(expansion_factor * dim), dropout, chan_first)),',
        new='PreNormResidual(dim, FeedForward(dim, int(expansion_factor * dim), dropout, chan_first)),',
        lines=(39, 18, 22), unsatisfiable=False,
        note='token-mixing Conv1d built over dim instead of num_patches (fits only images with dim = 64 patches, 64x64)',
        witness=((2, 3, 64, 64),),
    ),
    Bug(
        'lucidrains_mlp_mixer.patch_in', MLP_MIXER,
        old='nn.Linear((patch_size ** 2) * channels, dim),',
        new='nn.Linear(patch_size * channels, dim),',
        lines=(37,), unsatisfiable=True,
        note='patch embedding forgot to square the patch size: 24 inputs, while every patch has 64 * channels values',
    ),
    Bug(
        'lucidrains_mlp_mixer.reduce_axis', MLP_MIXER,
        old="Reduce('b n c -> b c', 'mean'),",
        new="Reduce('b n c -> b n', 'mean'),",
        lines=(43, 44), unsatisfiable=True,
        note='averaged over channels instead of patches: the head needs 64 features but the token mixer fixes 16 patches',
    ),
    Bug(
        'ta_wav2letter.acoustic_width', WAV2LETTER_MFCC,
        old='nn.Conv1d(in_channels=250, out_channels=2000, kernel_size=32, stride=1, padding=16),',
        new='nn.Conv1d(in_channels=250, out_channels=1000, kernel_size=32, stride=1, padding=16),',
        lines=(47, 49, 74), unsatisfiable=True,
        note='narrowed one conv to 1000 channels; the next conv still expects 2000',
    ),
    Bug(
        'ta_wav2letter.waveform_features', WAV2LETTER,
        old='acoustic_num_features = 250 if input_type == "waveform" else num_features',
        new='acoustic_num_features = num_features',
        lines=(29, 31, 74), unsatisfiable=True,
        note='acoustic model built for num_features inputs also after the waveform front end, which outputs 250 channels',
    ),
    Bug(
        'ta_deepspeech.direction_split', DEEPSPEECH,
        old='x = x[:, :, : self.n_hidden] + x[:, :, self.n_hidden :]',
        new='x = x[:, :, : self.n_hidden] + x[:, :, self.n_hidden - 1 :]',
        lines=(78,), unsatisfiable=True,
        note='off-by-one when splitting the two directions: n_hidden + 1 features added to n_hidden',
    ),
    Bug(
        'ta_deepspeech.unidirectional', DEEPSPEECH,
        old='self.bi_rnn = torch.nn.RNN(n_hidden, n_hidden, num_layers=1, nonlinearity="relu", bidirectional=True)',
        new='self.bi_rnn = torch.nn.RNN(n_hidden, n_hidden, num_layers=1, nonlinearity="relu", bidirectional=False)',
        lines=(54, 78), unsatisfiable=True,
        note="RNN made unidirectional while forward still sums the two directions' halves",
    ),
    Bug(
        'ta_deepspeech.squeeze_dim', DEEPSPEECH,
        old='x = x.squeeze(1)',
        new='x = x.squeeze(2)',
        lines=(72, 54, 76), unsatisfiable=False,
        note='squeezed the time dimension instead of the channel: a 4-D tensor reaches the RNN unless time is 1',
        witness=((2, 1, 1, 40),),
    ),
    Bug(
        'ta_conv_tasnet.sources_view', CONV_TASNET,
        old='masked = masked.view(batch_size * self.num_sources, self.enc_num_feats, -1)  # B*S, F, M',
        new='masked = masked.view(batch_size, self.enc_num_feats, -1)  # B*S, F, M',
        lines=(303, 305), unsatisfiable=True,
        note="folded the sources into time instead of batch: the decoded signal is too long for (B, S, L')",
    ),
    Bug(
        'ta_conv_tasnet.mask_view', CONV_TASNET,
        old='return output.view(batch_size, self.num_sources, self.input_dim, -1)',
        new='return output.view(batch_size, self.input_dim, self.num_sources, -1)',
        lines=(163, 302), unsatisfiable=True,
        note='masks viewed as (B, F, S, M): they no longer broadcast against the (B, 1, F, M) features',
    ),
    Bug(
        'ta_conv_tasnet.mask_channels', CONV_TASNET,
        old='out_channels=input_dim * num_sources,',
        new='out_channels=input_dim,',
        lines=(132, 163, 302), unsatisfiable=True,
        note='mask conv outputs one mask instead of num_sources: the view spreads it over half the frames',
    ),
    Bug(
        'ta_wavernn.fc_in', WAVERNN,
        old='self.fc = nn.Linear(n_freq + self.n_aux + 1, n_rnn)',
        new='self.fc = nn.Linear(n_freq + self.n_aux, n_rnn)',
        lines=(266, 313), unsatisfiable=True,
        note='forgot the waveform sample concatenated in front of the spectrogram and aux features',
    ),
    Bug(
        'ta_wavernn.rnn2_in', WAVERNN,
        old='self.rnn2 = nn.GRU(n_rnn + self.n_aux, n_rnn, batch_first=True)',
        new='self.rnn2 = nn.GRU(n_rnn, n_rnn, batch_first=True)',
        lines=(269, 320), unsatisfiable=True,
        note='second GRU built without the aux features concatenated to its input',
    ),
    Bug(
        'ta_wavernn.trim', WAVERNN,
        old='upsampling_output = upsampling_output.squeeze(1)[:, :, self.indent : -self.indent]',
        new='upsampling_output = upsampling_output.squeeze(1)',
        lines=(198, 312), unsatisfiable=True,
        note="upsampled spectrogram not trimmed by the MelResNet's receptive field: it is longer than aux and the waveform",
    ),
    Bug(
        'pl_mnist_net.fc1_in', MNIST_NET,
        old='self.fc1 = nn.Linear(9216, 128)',
        new='self.fc1 = nn.Linear(4608, 128)',
        lines=(107, 118), unsatisfiable=False,
        note='fc1 sized for another input: 28x28 gives 9216 features; 4608 needs (H-4)/2 * (W-4)/2 = 72, e.g. 20x22',
        witness=((2, 1, 20, 22),),
    ),
    Bug(
        'pl_mnist_net.flatten_batch', MNIST_NET,
        old='x = torch.flatten(x, 1)',
        new='x = torch.flatten(x)',
        lines=(117, 107, 118, 122), unsatisfiable=True,
        note='flatten without start_dim merges the batch: a batch of one gets through the Linears as a 1-D vector, then log_softmax(dim=1) has no dimension 1',
    ),
    Bug(
        'pl_mnist_net.conv2_in', MNIST_NET,
        old='self.conv2 = nn.Conv2d(32, 64, 3, 1)',
        new='self.conv2 = nn.Conv2d(64, 64, 3, 1)',
        lines=(104, 113), unsatisfiable=True,
        note='conv2 built for 64 input channels, conv1 outputs 32',
    ),
    Bug(
        'pl_mnist_net.no_pool', MNIST_NET,
        old='x = F.max_pool2d(x, 2)',
        new='# x = F.max_pool2d(x, 2)',
        lines=(115, 107, 118), unsatisfiable=False,
        note='forgot the pooling: 28x28 gives 36864 features (16x16 images give 9216)',
        witness=((2, 1, 16, 16),),
    ),
    Bug(
        'pl_lstm.decoder_in', LSTM,
        old='self.decoder = nn.Linear(nhid, vocab_size)',
        new='self.decoder = nn.Linear(ninp, vocab_size)',
        lines=(33, 47), unsatisfiable=True,
        note='decoder sized with the embedding width (512) instead of the LSTM hidden size (256)',
    ),
    Bug(
        'pl_lstm.batch_first', LSTM,
        old='self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout, batch_first=True)',
        new='self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)',
        lines=(32, 45), unsatisfiable=False,
        note="LSTM without batch_first reads (batch, time) as (time, batch): the hidden state's batch no longer matches (unless batch == time)",
        witness=((3, 3), ((4, 3, 256), (4, 3, 256))),
    ),
    Bug(
        'pl_lstm.embedding_dim', LSTM,
        old='self.encoder = nn.Embedding(vocab_size, ninp)',
        new='self.encoder = nn.Embedding(vocab_size, nhid)',
        lines=(31, 32, 45), unsatisfiable=True,
        note='embedding width set to the hidden size; the LSTM expects ninp inputs',
    ),
    Bug(
        'pl_transformer.div_term_step', TRANSFORMER,
        old='div_term = torch.exp(torch.arange(0, self.dim, 2, device=device).float() * (-math.log(10000.0) / self.dim))',
        new='div_term = torch.exp(torch.arange(0, self.dim, device=device).float() * (-math.log(10000.0) / self.dim))',
        lines=(106, 107), unsatisfiable=True,
        note='div_term over every index instead of every second: dim columns assigned into the dim/2 even columns',
    ),
    Bug(
        'pl_transformer.view_width', TRANSFORMER,
        old='output = output.view(-1, self.vocab_size)',
        new='output = output.view(-1, self.ninp)',
        lines=(81,), unsatisfiable=False,
        note='flattened the logits with the model width instead of the vocabulary: runs only when batch * length * vocab is a multiple of 200',
        witness=((1, 100), (1, 100)),
    ),
    Bug(
        'pl_transformer.decoder_in', TRANSFORMER,
        old='self.decoder = nn.Linear(ninp, vocab_size)',
        new='self.decoder = nn.Linear(nhid, vocab_size)',
        lines=(53, 79), unsatisfiable=True,
        note='decoder sized with the feed-forward width (nhid) instead of d_model (ninp)',
    ),
    Bug(
        'unet_pytorch.up_kernel', UNET,
        old='self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2)',
        new='self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=3, stride=2)',
        lines=(73, 85), unsatisfiable=False,
        note='3x3 transposed conv with stride 2 upsamples to 2h+1, one pixel more than the skip connection '
        '(it lines up when every level is odd: 31x31, 47x47, 63x63 images run)',
        witness=((1, 1, 31, 31),),
    ),
    Bug(
        'unet_pytorch.cat_dim', UNET,
        old='x = torch.cat([x2, x1], dim=1)',
        new='x = torch.cat([x2, x1], dim=0)',
        lines=(85, 22, 37, 86), unsatisfiable=True,
        note='skip connection concatenated along the batch: the double conv expects the doubled channel count',
    ),
    Bug(
        'unet_pytorch.bottleneck_width', UNET,
        old='self.down4 = DownBlock(512, 1024)',
        new='self.down4 = DownBlock(512, 512)',
        lines=(127, 73, 84, 149), unsatisfiable=True,
        note='halved the bottleneck, but up1 is still built for 1024 channels',
    ),
    Bug(
        'ez_nanogpt.split_dim', NANOGPT,
        old='q, k, v = self.c_attn(x).split(self.n_embd, dim=2)',
        new='q, k, v = self.c_attn(x).split(self.n_embd, dim=1)',
        lines=(88,), unsatisfiable=False,
        note='split q, k, v along time instead of channels (three chunks of 64 only when T == 192)',
        witness=((1, 192, 64),),
    ),
    Bug(
        'ez_nanogpt.mlp_proj', NANOGPT,
        old='self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)',
        new='self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)',
        lines=(132, 138), unsatisfiable=True,
        note='MLP output projection forgot the 4x expansion of c_fc',
    ),
    Bug(
        'ez_nanogpt.head_view', NANOGPT,
        old='k = k.view(B, T, self.n_head, C // self.n_head).transpose(',
        new='k = k.view(B, T, C // self.n_head, self.n_head).transpose(',
        lines=(89, 105), unsatisfiable=True,
        note="swapped the head count and head size in k's view: (B, 16, T, 4) keys against (B, 4, T, 16) queries",
    ),
    Bug(
        'openclip_modified_resnet.attnpool_grid', CLIP_RESNET,
        old='self.attnpool = AttentionPool2d(image_size // 32, embed_dim, heads, output_dim)',
        new='self.attnpool = AttentionPool2d(image_size // 16, embed_dim, heads, output_dim)',
        lines=(139, 75), unsatisfiable=False,
        note='positional grid for stride 16, but the network downsamples by 32 (fits 128x128 inputs instead of 64x64)',
        witness=((2, 3, 128, 128),),
    ),
    Bug(
        'openclip_modified_resnet.embed_dim', CLIP_RESNET,
        old='embed_dim = width * 32  # the ResNet feature dimension',
        new='embed_dim = width * 8  # the ResNet feature dimension',
        lines=(138, 75), unsatisfiable=True,
        note='attention pool built for width * 8 features, forgetting the bottleneck expansion (width * 32)',
    ),
    Bug(
        'openclip_modified_resnet.antialias_pool', CLIP_RESNET,
        old='self.avgpool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()',
        new='self.avgpool = nn.Identity()',
        lines=(29, 57), unsatisfiable=False,
        note='dropped the anti-aliasing pool of strided blocks: the main path keeps the resolution the shortcut halves '
        '(they broadcast only where the shortcut is 1x1: 7..10-pixel images run through to the 2x2 attention grid)',
        witness=((2, 3, 8, 8),),
    ),
    # ------------------------------------------------ held out (kuangliu/pytorch-cifar): bugs chosen before measuring
    Bug(
        'cifar_lenet.fc1_mnist', CIFAR_LENET,
        old='self.fc1   = nn.Linear(16*5*5, 120)',
        new='self.fc1   = nn.Linear(16*4*4, 120)',
        lines=(14, 24), unsatisfiable=False,
        note='fc1 sized for 28x28 MNIST digits (16*4*4 features after the two conv+pool stages) instead of 32x32 CIFAR images',
        witness=((1, 3, 28, 28),),
    ),
    Bug(
        'cifar_lenet.conv2_in', CIFAR_LENET,
        old='self.conv2 = nn.Conv2d(6, 16, 5)',
        new='self.conv2 = nn.Conv2d(3, 16, 5)',
        lines=(13, 21), unsatisfiable=True,
        note="second conv built for the image's 3 channels instead of conv1's 6",
    ),
    Bug(
        'cifar_lenet.fc3_in', CIFAR_LENET,
        old='self.fc3   = nn.Linear(84, 10)',
        new='self.fc3   = nn.Linear(120, 10)',
        lines=(16, 26), unsatisfiable=True,
        note="last Linear sized from fc1's width (120) instead of fc2's (84)",
    ),
    Bug(
        'cifar_lenet.no_flatten', CIFAR_LENET,
        old='out = out.view(out.size(0), -1)',
        new='# out = out.view(out.size(0), -1)',
        lines=(23, 24, 14), unsatisfiable=False,
        note='forgot to flatten before fc1: the Linear then reads the width axis, 400 features only for 1612-pixel-wide images',
        witness=((1, 3, 32, 1612),),
    ),
    Bug(
        'cifar_preact_resnet.pool_size', CIFAR_PREACT18,
        old='out = F.avg_pool2d(out, 4)',
        new='out = F.avg_pool2d(out, 2)',
        lines=(95, 97, 79), unsatisfiable=False,
        note='final pooling over 2x2 instead of the whole 4x4 map: 2048 features for a 512-input Linear (16x16 images fit)',
        witness=((1, 3, 16, 16),),
        stated=True,
    ),
    Bug(
        'cifar_preact_resnet.conv2_stride', CIFAR_PREACT18,
        old='self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)',
        new='self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)',
        lines=(25, 37), unsatisfiable=True,
        note="passed the block's stride to both convs: strided blocks halve the main path twice, the shortcut once",
    ),
    Bug(
        'cifar_preact_resnet.conv3_expansion', CIFAR_PREACT50,
        old='self.conv3 = nn.Conv2d(planes, self.expansion*planes, kernel_size=1, bias=False)',
        new='self.conv3 = nn.Conv2d(planes, planes, kernel_size=1, bias=False)',
        lines=(52, 65), unsatisfiable=True,
        note="the bottleneck's last 1x1 conv forgets the expansion: planes channels added to a 4 * planes shortcut",
    ),
    Bug(
        'cifar_preact_resnet.in_planes_expansion', CIFAR_PREACT50,
        old='self.in_planes = planes * block.expansion',
        new='self.in_planes = planes',
        lines=(86, 60, 47), unsatisfiable=True,
        note="_make_layer records the block's inner width, not its expanded output: the next bottleneck's bn1 is built for a quarter of its input",
    ),
    Bug(
        'cifar_senet.se_in_planes', CIFAR_SENET,
        old='self.fc1 = nn.Conv2d(planes, planes//16, kernel_size=1)',
        new='self.fc1 = nn.Conv2d(in_planes, planes//16, kernel_size=1)',
        lines=(63, 74), unsatisfiable=True,
        note="squeeze conv sized from the block's input width: wrong in every block that widens (64 -> 128)",
    ),
    Bug(
        'cifar_senet.stem_width', CIFAR_SENET,
        old='self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)',
        new='self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=1, padding=1, bias=False)',
        lines=(88, 105, 89), unsatisfiable=True,
        note='slimmed the stem conv to 32 channels, leaving bn1 and in_planes at 64',
    ),
    Bug(
        'cifar_senet.no_pool', CIFAR_SENET,
        old='out = F.avg_pool2d(out, 4)',
        new='# out = F.avg_pool2d(out, 4)',
        lines=(110, 112, 94), unsatisfiable=False,
        note='forgot the global pooling: the 4x4 map flattens to 8192 features (runs when the last map is 1x1, 5..8-pixel images)',
        witness=((1, 3, 8, 8),),
        stated=True,
    ),
    Bug(
        'cifar_dpn.cat_dim', CIFAR_DPN,
        old='out = torch.cat([x[:,:d,:,:]+out[:,:d,:,:], x[:,d:,:,:], out[:,d:,:,:]], 1)',
        new='out = torch.cat([x[:,:d,:,:]+out[:,:d,:,:], x[:,d:,:,:], out[:,d:,:,:]], 2)',
        lines=(37,), unsatisfiable=True,
        note='concatenated the residual and dense paths along height instead of channels',
    ),
    Bug(
        'cifar_dpn.last_planes', CIFAR_DPN,
        old='self.last_planes = out_planes + (i+2) * dense_depth',
        new='self.last_planes = out_planes + (i+1) * dense_depth',
        lines=(62, 32, 17), unsatisfiable=True,
        note="off by one in the dense path's growth: the next block's conv1 is built for dense_depth channels fewer than it gets",
    ),
    Bug(
        'cifar_dpn.linear_in', CIFAR_DPN,
        old='self.linear = nn.Linear(out_planes[3]+(num_blocks[3]+1)*dense_depth[3], 10)',
        new='self.linear = nn.Linear(out_planes[3]+num_blocks[3]*dense_depth[3], 10)',
        lines=(55, 73), unsatisfiable=True,
        note="classifier forgets the first block's extra dense_depth (the shortcut's): 2304 inputs for 2432 features",
    ),
    Bug(
        'cifar_dla.root_children', CIFAR_DLA,
        old='self.root = Root((level+2)*out_channels, out_channels)',
        new='self.root = Root((level+1)*out_channels, out_channels)',
        lines=(66, 85, 53, 46), unsatisfiable=True,
        note='miscounted the children a level-2 root concatenates (prev_root, the subtrees, left and right: level + 2)',
    ),
    Bug(
        'cifar_dla.cat_default_dim', CIFAR_DLA,
        old='x = torch.cat(xs, 1)',
        new='x = torch.cat(xs)',
        lines=(52, 53, 46), unsatisfiable=True,
        note="torch.cat without dim stacks the children along the batch: the root conv gets out_channels, not k * out_channels",
    ),
    Bug(
        'cifar_dla.left_stride', CIFAR_DLA,
        old='self.left_node = block(in_channels, out_channels, stride=stride)',
        new='self.left_node = block(in_channels, out_channels, stride=1)',
        lines=(63, 52), unsatisfiable=True,
        note="level-1 tree's left node no longer downsamples: its children are twice the size of prev_root's at the root's cat",
    ),
    Bug(
        'cifar_regnet.se_width', CIFAR_REGNETY,
        old='self.se = SE(w_b, w_se)',
        new='self.se = SE(w_in, w_se)',
        lines=(48, 65, 26, 21), unsatisfiable=True,
        note="squeeze-excitation built for the block's input width instead of the bottleneck width it is applied to",
    ),
    Bug(
        'cifar_regnet.linear_width', CIFAR_REGNETX,
        old="self.linear = nn.Linear(self.cfg['widths'][-1], num_classes)",
        new="self.linear = nn.Linear(self.cfg['widths'][0], num_classes)",
        lines=(84, 110), unsatisfiable=True,
        note='classifier sized from the first stage width (24) instead of the last (368)',
    ),
    Bug(
        'cifar_regnet.pool_grid', CIFAR_REGNETX,
        old='out = F.adaptive_avg_pool2d(out, (1, 1))',
        new='out = F.adaptive_avg_pool2d(out, (2, 2))',
        lines=(108, 110, 84), unsatisfiable=True,
        note='pooled to 2x2 instead of 1x1: four times the features the classifier takes, for every input size',
    ),
    Bug(
        'cifar_efficientnet.se_channels', CIFAR_EFFICIENTNET,
        old='self.se = SE(channels, se_channels)',
        new='self.se = SE(in_channels, se_channels)',
        lines=(85, 102, 41, 34), unsatisfiable=True,
        note='squeeze-excitation built for the unexpanded width: wrong in every block with expand_ratio 6',
    ),
    Bug(
        'cifar_efficientnet.head_1280', CIFAR_EFFICIENTNET,
        old="self.linear = nn.Linear(cfg['out_channels'][-1], num_classes)",
        new='self.linear = nn.Linear(1280, num_classes)',
        lines=(123, 154), unsatisfiable=True,
        note="classifier copied from the paper's B0 (1280 features after a conv head this implementation does not have: 320)",
    ),
    Bug(
        'cifar_efficientnet.expand_from_out', CIFAR_EFFICIENTNET,
        old='channels = expand_ratio * in_channels',
        new='channels = expand_ratio * out_channels',
        lines=(64, 101, 74), unsatisfiable=True,
        note='expanded width computed from out_channels: the first block (expand_ratio 1, no conv1) feeds 32 channels to a 16-channel depthwise conv',
    ),
    Bug(
        'cifar_mobilenet.pool_kernel', CIFAR_MOBILENET,
        old='out = F.avg_pool2d(out, 2)',
        new='out = F.avg_pool2d(out, 4)',
        lines=(53,), unsatisfiable=False,
        note='pooling window for a 4x4 final map, but 32x32 images end at 2x2 (64x64 ones fit)',
        witness=((1, 3, 64, 64),),
        stated=True,
    ),
    Bug(
        'cifar_mobilenet.last_width', CIFAR_MOBILENET,
        old="cfg = [64, (128,2), 128, (256,2), 256, (512,2), 512, 512, 512, 512, 512, (1024,2), 1024]",
        new="cfg = [64, (128,2), 128, (256,2), 256, (512,2), 512, 512, 512, 512, 512, (1024,2), 512]",
        lines=(32, 55, 39), unsatisfiable=False,
        note='slimmed the last block to 512 channels, leaving Linear(1024): only a 1x2 pooled map (32x64 images) gives 1024 features',
        witness=((1, 3, 32, 64),),
        stated=True,
    ),
    Bug(
        'cifar_mobilenet.depthwise_out', CIFAR_MOBILENET,
        old='self.conv1 = nn.Conv2d(in_planes, in_planes, kernel_size=3, stride=stride, padding=1, groups=in_planes, bias=False)',
        new='self.conv1 = nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, groups=in_planes, bias=False)',
        lines=(19, 25, 20), unsatisfiable=True,
        note="the depthwise conv already widens to out_planes (it builds: out_planes is a multiple of the groups), but bn1 expects in_planes",
    ),
]
